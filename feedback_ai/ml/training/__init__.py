"""Training: datasets, fitting every head, the train command's pipeline and evaluation."""
