"""What the artist sees: panels, preferences, properties, review overlay, translations, registration."""
