"""The widgets the flaskexamples use, as in Pyjamas' ``pyjamas.ui`` (one class per module)."""
