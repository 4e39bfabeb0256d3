"""The secretariat's calibration pages: marking each category's calibration nominations and reading them side by
side (``rules.calibration``)."""
