"""Operations: health, readiness, metrics, logs and request ids."""
