"""Hypothesis profiles: the suite (and CI) runs a fixed, repeatable set of examples; HYPOTHESIS_PROFILE=explore
searches anew each run, with more examples, to look for new failures."""

import os

from hypothesis import settings

settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", max_examples=300, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
