"""The statistics pages and the home page, with their tables and charts."""
