"""Server-side code of the flaskcors example."""
