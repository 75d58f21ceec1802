"""Static files of the flaskcors page; ``services/`` holds the server (never copied to output/)."""
