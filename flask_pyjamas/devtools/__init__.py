"""Development tools: the page server with its security headers (:mod:`.page_server`), the
one-command demos (:mod:`.demo`), and running an example's file as a script of its package
(:mod:`.scripts`)."""
