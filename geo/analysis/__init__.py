"""Engagement-gap and coverage analysis (docs/analysis.md): plain inputs in, plain results out."""

from geo.analysis.gaps import RESULT_COLUMNS, GapResult, compute_gaps
from geo.analysis.inputs import GapInputs
from geo.analysis.load import gaps_from_db
from geo.analysis.params import GapParams

__all__ = ["RESULT_COLUMNS", "GapInputs", "GapParams", "GapResult", "compute_gaps", "gaps_from_db"]
