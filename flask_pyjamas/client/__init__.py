"""Browser code of the library, compiled by Transcrypt with each page (and importable by
CPython): :mod:`.echo_page`, the page skeleton."""
