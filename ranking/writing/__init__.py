"""Files out: written whole or not at all, never over an input."""
