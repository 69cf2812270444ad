"""Transform: the segmentation config written into the warehouse, and the dbt models as assets."""
