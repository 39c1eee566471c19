"""mapws: Mutual Action Plans in the spreadsheet the buyer already uses."""

__version__ = "0.1.0"

#: Version of the spreadsheet contract written into every plan file.
SCHEMA_VERSION = 1
