"""Message catalogues, one module per feature (see domain.i18n)."""
