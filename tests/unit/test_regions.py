from awards_app.regions import COUNTRY_CODES, Region, countries_in, country_choices, country_name, region_of


def test_every_country_has_exactly_one_region():
    counted = [code for region in Region for code in countries_in(region)]
    assert len(counted) == len(set(counted)) == len(COUNTRY_CODES)


def test_region_follows_from_country():
    assert region_of("KR") is Region.ASIA_PACIFIC
    assert region_of("kz") is Region.CENTRAL_ASIA
    assert region_of("RU") is Region.EURASIA
    assert region_of("TR") is Region.MEDITERRANEAN
    assert region_of("NG") is Region.AFRICA
    assert region_of("DK") is Region.EUROPE
    assert region_of("MX") is Region.LATIN_AMERICA
    assert region_of("CA") is Region.NORTH_AMERICA


def test_unknown_country_has_no_region():
    assert region_of("ZZ") is None
    assert region_of("") is None
    assert region_of(None) is None


def test_country_names_in_both_languages():
    assert country_name("KR", "en") == "South Korea"
    assert country_name("KR", "ko") == "대한민국"
    assert country_name("", "en") == ""


def test_country_choices_sorted_by_name_in_the_language():
    names = [name for _code, name in country_choices("en")]
    assert names == sorted(names)
    assert len(names) == len(COUNTRY_CODES)
