"""The protocol, framework-free: JSON-RPC 2.0 (:mod:`.jsonrpc`), its OpenRPC description
(:mod:`.openrpc`, the ``rpc.discover`` document) and the CORS origin policy (:mod:`.cors`)."""
