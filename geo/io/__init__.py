"""Reading and writing other formats: importers (UCDP GED, ACLED, gazetteers,
boundaries, GPX, KoboToolbox, any vector layer) and exporters."""
