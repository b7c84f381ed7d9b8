"""Generated models of Klaviyo's resources, one module per group."""
