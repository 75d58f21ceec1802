"""flaskcors: a browser app written in Python calls Flask with JSON-RPC across origins."""
