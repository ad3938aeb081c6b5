"""Features: word and character TF-IDF (with a fast transform) and the bundled static embeddings."""
