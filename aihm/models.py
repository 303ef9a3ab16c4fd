"""aihm owns no tables; being an app with a models module lets it run post-migrate work."""
