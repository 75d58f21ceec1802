"""The Pyjamas 0.8 client API subset used by the flaskexamples, for Transcrypt and CPython.

The same modules compile to JavaScript for the browser (``./build.sh``) and import under
CPython, where :mod:`pyjamas.JSONService`, :mod:`pyjamas.HTTPRequest` and :mod:`pyjamas.Timer`
work over urllib and threads and the :mod:`pyjamas.ui` widgets hold their state in small
stand-in elements, so scripts and tests can use the client as it is.

Each public module imports its platform glue from :mod:`pyjamas._browser`; under CPython a
``__pragma__ ('skip')`` block (invisible to Transcrypt) replaces it with
:data:`pyjamas._platform.glue`, which forwards to :mod:`pyjamas._python` (headless), or to the
Tk glue (:mod:`pyjamas._tk`, :mod:`pyjamas._tk_widgets`) once :mod:`pyjamas.desktop` has opened
the page in a desktop window at start-up.
"""
