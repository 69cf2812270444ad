"""The k-means view of the segments: centroids fitted in Python, customers assigned in dbt.

`insight/cluster_centroids` fits k-means (scikit-learn) on a bounded, deterministic sample of the
quarter's dim_customers and writes the centroids and the fit (schema `insight`). The history dbt
step reads them as sources and assigns every customer to the nearest centroid in SQL
(`customer_clusters`), so the cost in Python does not grow with the population.
"""
