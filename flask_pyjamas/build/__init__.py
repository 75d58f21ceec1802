"""The page build: ``pyjsbuild PAGE.py`` (:mod:`.pyjsbuild`) compiles a page module with
Transcrypt, joins its modules into one file (:mod:`.jsbundle`) and copies its ``public/``
files beside it (:mod:`.trim_imports` keeps the desktop-only imports out)."""
