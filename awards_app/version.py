"""The application's version, printed in exports so that a workbook says which release computed it."""

__version__ = "0.4.0"
