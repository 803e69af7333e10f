"""The catalogue: articles (H&M's products), their images, browsing, search and the importer."""
