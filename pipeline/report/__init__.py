"""What a run writes: report.json and report.csv (``document``), the HTML contact sheet and thumbnails
(``contact_sheet``), and the block that says which run made them (``run_info``)."""
