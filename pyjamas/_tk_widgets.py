"""Desktop glue: the DOM stand-ins of :mod:`pyjamas._python`, drawn with Tk.

The :mod:`pyjamas.ui` widgets write to their element what they write in a browser (text,
value, attributes, children). A :class:`TkElement` keeps it as the headless stand-in does
and, from the moment it is on the window, shows it in a Tk widget picked the way the
stylesheet draws the element in a browser:

===================================  =================================================
element                              Tk widget
===================================  =================================================
``<body>`` (RootPanel)               the window's frame: children top to bottom
``<div>`` with ``display: flex``     a frame: children in a row or a column
(HorizontalPanel, VerticalPanel)     (``flexDirection``), ``gap`` pixels apart
``<div class="gwt-Label">``          ttk.Label
``<div class="gwt-HTML">``           a read-only Text: headings, paragraphs, links (a
                                     click opens http(s) and mailto links in the
                                     system browser; other schemes are plain text)
any other ``<div>``                  a frame: children top to bottom
``<button>``                         ttk.Button (pressing it is a DOM click)
``<textarea>``                       Text, ``cols`` x ``rows`` characters
``<select>``                         ttk.Combobox, or a Listbox when ``size`` > 1
``<progress>``                       ttk.Progressbar (``max``, ``value``)
===================================  =================================================

An element's kind, ``style`` and ``size`` are read when it is first shown. Tk must only be
called from the thread running its event loop: changing a shown element from another
thread raises RuntimeError (the Tk glue runs every callback on that thread).
"""

import re
import threading
import tkinter as tk
import webbrowser
from html.parser import HTMLParser
from tkinter import font as tkfont
from tkinter import ttk

from pyjamas._python import Element

MAX_TEXT_WIDTH = 80  # characters: HTML text wraps there, as wide as the page's text area


class TkElement(Element):
    """A stand-in element that, once shown (:meth:`show`), mirrors itself in a Tk widget."""

    def __init__(self, tag):
        self._view = None
        self._tk_thread = None
        self._text = ""
        self._html = ""
        self._caption = ""  # what a label or button shows: the text, or the HTML's text
        self._value = ""
        self._selected = -1
        Element.__init__(self, tag)

    @property
    def textContent(self):
        return self._text

    @textContent.setter
    def textContent(self, text):
        self._text = self._caption = str(text)
        self._changed("caption")

    @property
    def innerHTML(self):
        return self._html

    @innerHTML.setter
    def innerHTML(self, html):
        self._html = str(html)
        self._caption = "".join(" " if text == "\n" else text
                                for text, tags in html_runs(self._html)).strip()
        self._changed("html")

    @property
    def value(self):
        return self._read("value", self._value)

    @value.setter
    def value(self, value):
        self._value = value
        self._changed("value")

    @property
    def selectedIndex(self):
        return self._read("selected_index", self._selected)

    @selectedIndex.setter
    def selectedIndex(self, index):
        self._selected = index
        self._changed("selected_index")

    def setAttribute(self, name, value):
        Element.setAttribute(self, name, value)
        self._changed("attributes")

    def appendChild(self, child):
        Element.appendChild(self, child)
        if self._view is not None:
            self._check_thread()
            self._view.add_child(child)
        return child

    def show(self, parent):
        """Draw this element and its children inside the Tk widget ``parent`` (on the
        thread that runs the window); returns the element's Tk widget, for the caller to
        place."""
        self._tk_thread = threading.get_ident()
        self._view = view_class(self)(self, parent)
        for child in self.children:
            self._view.add_child(child)
        return self._view.widget

    def widget(self):
        """The Tk widget showing this element, or None while it is not on the window."""
        return None if self._view is None else self._view.widget

    def _changed(self, what):
        if self._view is not None:
            self._check_thread()
            getattr(self._view, "update_" + what)()

    def _read(self, what, stored):
        if self._view is None:
            return stored
        self._check_thread()
        return getattr(self._view, "read_" + what)()

    def _check_thread(self):
        if threading.get_ident() != self._tk_thread:
            raise RuntimeError(
                f"<{self.tagName.lower()} id={self.id!r}> used from thread "
                f"{threading.current_thread().name!r}: Tk widgets belong to the thread that "
                "runs the window's event loop"
            )


class View:
    """How one kind of element is drawn: ``widget``, and what to redo when a part of the
    element changes (``update_*``) or is read back from what the user did (``read_*``)."""

    def __init__(self, element, parent):
        self.element = element
        self.widget = self.create(parent)

    def create(self, parent):
        raise NotImplementedError

    def add_child(self, child):
        """A child element was appended (leaves ignore theirs, as the page has none)."""

    def update_caption(self):
        pass

    def update_html(self):
        pass

    def update_value(self):
        pass

    def update_selected_index(self):
        pass

    def update_attributes(self):
        pass

    def read_value(self):
        return self.element._value

    def read_selected_index(self):
        return self.element._selected


class BlockView(View):
    """A frame whose children stack top to bottom, ``gap`` pixels apart."""

    side = "top"

    def create(self, parent):
        self.gap = css_pixels(getattr(self.element.style, "gap", ""))
        self.placed = 0
        return ttk.Frame(parent, padding=10 if self.element.tagName == "BODY" else 0)

    def add_child(self, child):
        space = (self.gap if self.placed else 0, 0)
        widget = child.show(self.widget)
        if self.side == "left":
            widget.pack(side="left", padx=space)
        else:
            widget.pack(side="top", anchor="w", pady=space)
        self.placed += 1


class RowView(BlockView):
    """A flex row (HorizontalPanel): children left to right, centred vertically."""

    side = "left"


class LabelView(View):
    def create(self, parent):
        # long texts wrap at about the width of the page's text area, as on the page
        wrap = tkfont.nametofont("TkDefaultFont").measure("0" * MAX_TEXT_WIDTH)
        return ttk.Label(parent, text=self.element._caption, justify="left", wraplength=wrap)

    def update_caption(self):
        self.widget.configure(text=self.element._caption)

    update_html = update_caption


class ButtonView(LabelView):
    def create(self, parent):
        return ttk.Button(parent, text=self.element._caption, command=self.element.click)


class HTMLView(View):
    """The HTML's text in a read-only Text, wrapped at :data:`MAX_TEXT_WIDTH` characters
    and as high as its wrapped lines; links are underlined and open in the system browser."""

    def create(self, parent):
        background = ttk.Style(parent).lookup("TFrame", "background") or None
        text = tk.Text(parent, wrap="word", relief="flat", borderwidth=0, highlightthickness=0,
                       background=background, cursor="arrow", height=1, width=1)
        base = tkfont.nametofont("TkDefaultFont").actual()
        text.configure(font=(base["family"], base["size"]))
        text.tag_configure("heading", font=(base["family"], base["size"] + 5, "bold"),
                           spacing3=4)
        text.tag_configure("bold", font=(base["family"], base["size"], "bold"))
        text.tag_configure("italic", font=(base["family"], base["size"], "italic"))
        text.tag_configure("link", foreground="#0645ad", underline=True)
        text.tag_bind("link", "<Enter>", lambda event: text.configure(cursor="hand2"))
        text.tag_bind("link", "<Leave>", lambda event: text.configure(cursor="arrow"))
        # the wrapped height is known once Tk has given the widget its width
        text.bind("<Configure>", lambda event: self.fit_height())
        self.links = {}
        self.text = text
        self.update_html()
        return text

    def update_html(self):
        text = self.text
        text.configure(state="normal")
        text.delete("1.0", "end")
        for tag in list(self.links):
            text.tag_delete(tag)
        self.links = {}
        for run, tags in html_runs(self.element._html):
            href = dict(tags).get("href")
            names = [name for name, value in tags if name != "href"]
            if href is not None:
                names.extend(["link", self.link_tag(href)])
            text.insert("end", run, tuple(names))
        while text.get("end-2c") == "\n":  # no empty line at the end
            text.delete("end-2c")
        lines = text.get("1.0", "end-1c").split("\n")
        text.configure(width=min(MAX_TEXT_WIDTH, max(len(line) for line in lines)),
                       height=len(lines), state="disabled")
        self.fit_height()

    def link_tag(self, href):
        name = "link-" + str(len(self.links))
        self.links[name] = href
        self.text.tag_bind(name, "<Button-1>", lambda event: webbrowser.open(href))
        return name

    def fit_height(self):
        # in lines of the text's font: headings are taller, so measure the pixels
        counted = self.text.count("1.0", "end", "update", "ypixels")
        pixels = (counted[0] if isinstance(counted, tuple) else counted) or 0
        line = tkfont.Font(font=self.text.cget("font")).metrics("linespace")
        lines = max(1, -(-pixels // line))
        if int(self.text.cget("height")) != lines:
            self.text.configure(height=lines)


class TextAreaView(View):
    def create(self, parent):
        text = tk.Text(parent, wrap="char", undo=True, font="TkFixedFont")
        self.text = text
        self.update_attributes()
        self.update_value()
        return text

    def update_attributes(self):
        cols = self.element.getAttribute("cols")
        rows = self.element.getAttribute("rows")
        self.text.configure(width=int(cols) if cols else 20, height=int(rows) if rows else 2)

    def update_value(self):
        self.text.delete("1.0", "end")
        self.text.insert("1.0", str(self.element._value))

    def read_value(self):
        return self.text.get("1.0", "end-1c")


class ComboView(View):
    """A drop-down ``<select>``: the options' texts in a read-only Combobox."""

    def create(self, parent):
        self.combo = ttk.Combobox(parent, state="readonly")
        self.update_options()
        return self.combo

    def texts(self):
        return [option.textContent for option in self.element.children]

    def add_child(self, child):
        self.update_options()

    def update_options(self):
        texts = self.texts()
        self.combo.configure(values=texts, width=max([len(t) for t in texts] + [4]) + 1)
        self.update_selected_index()

    def update_selected_index(self):
        index = self.element._selected
        if 0 <= index < len(self.element.children):
            self.combo.current(index)
        else:
            self.combo.set("")

    def read_selected_index(self):
        return self.combo.current()


class ListView(ComboView):
    """A ``<select size=N>`` (N > 1): a Listbox showing N rows."""

    def create(self, parent):
        size = int(self.element.getAttribute("size"))
        self.listbox = tk.Listbox(parent, height=size, exportselection=False)
        self.update_options()
        return self.listbox

    def update_options(self):
        self.listbox.delete(0, "end")
        texts = self.texts()
        self.listbox.insert("end", *texts)
        self.listbox.configure(width=max([len(t) for t in texts] + [4]) + 1)
        self.update_selected_index()

    def update_selected_index(self):
        self.listbox.selection_clear(0, "end")
        index = self.element._selected
        if 0 <= index < len(self.element.children):
            self.listbox.selection_set(index)
            self.listbox.see(index)

    def read_selected_index(self):
        selection = self.listbox.curselection()
        return selection[0] if selection else -1


class ProgressView(View):
    def create(self, parent):
        self.bar = ttk.Progressbar(parent, mode="determinate", length=300)
        self.update_attributes()
        return self.bar

    def update_attributes(self):
        maximum = float(self.element.getAttribute("max") or 1)
        self.bar.configure(maximum=maximum, value=float(self.element.getAttribute("value") or 0))


def view_class(element):
    """The :class:`View` that draws ``element`` (see the table at the top)."""
    tag = element.tagName
    if tag == "DIV":
        style = element.style
        classes = element.className.split()
        if getattr(style, "display", "") == "flex":
            return RowView if getattr(style, "flexDirection", "") == "row" else BlockView
        if "gwt-HTML" in classes:
            return HTMLView
        if "gwt-Label" in classes:
            return LabelView
    if tag == "SELECT":
        size = element.getAttribute("size")
        return ListView if size and int(size) > 1 else ComboView
    return {"BUTTON": ButtonView, "TEXTAREA": TextAreaView,
            "PROGRESS": ProgressView}.get(tag, BlockView)


def css_pixels(length):
    """``"8px"`` -> 8; anything else -> 0."""
    match = re.fullmatch(r"\s*(\d+)(px)?\s*", str(length))
    return int(match.group(1)) if match else 0


BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "pre",
              "blockquote", "table", "tr"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
STYLE_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic"}


class _TextRuns(HTMLParser):
    """HTML -> runs of text with their formatting, whitespace collapsed as a browser does."""

    def __init__(self):
        HTMLParser.__init__(self, convert_charrefs=True)
        self.runs = []  # [text, [(tag name, value), ...]]
        self.open = []  # (html tag, (tag name, value)) of the open formatting elements
        self.at_line_start = True

    def handle_starttag(self, tag, attrs):
        if tag in BLOCK_TAGS or tag == "br":
            self.line_break()
        if tag in HEADINGS:
            self.open.append((tag, ("heading", None)))
        elif tag in STYLE_TAGS:
            self.open.append((tag, (STYLE_TAGS[tag], None)))
        elif tag == "a" and opens_in_browser(dict(attrs).get("href") or ""):
            self.open.append((tag, ("href", dict(attrs)["href"])))

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index]
                break
        if tag in BLOCK_TAGS:
            self.line_break()

    def handle_data(self, data):
        text = re.sub(r"\s+", " ", data)
        if self.at_line_start:
            text = text.lstrip()
        if text:
            self.runs.append([text, [pair for _, pair in self.open]])
            self.at_line_start = text.endswith(" ")

    def line_break(self):
        if self.runs and self.runs[-1][0].endswith(" "):
            self.runs[-1][0] = self.runs[-1][0].rstrip()
        if self.runs and self.runs[-1][0] != "\n":
            self.runs.append(["\n", []])
        self.at_line_start = True


LINK_SCHEMES = ("http://", "https://", "mailto:")


def opens_in_browser(href):
    """True if a click on a link to ``href`` may hand it to the system browser: web and mail
    addresses only (never ``javascript:``, ``file:`` or a program's own scheme).

    >>> [opens_in_browser(h) for h in ("https://x.org/", "javascript:alert(1)", "file:///")]
    [True, False, False]
    """
    return href.strip().lower().startswith(LINK_SCHEMES)


def html_runs(html):
    """``[(text, [(format, value), ...]), ...]`` for ``html``: formats are ``heading``,
    ``bold``, ``italic`` and ``href`` (a link, its URL as value); ``"\\n"`` runs end lines.

    >>> html_runs('<h2>Hi</h2> <p>see <a href="http://x.org/">x</a> </p>')[2:4]
    [('see ', []), ('x', [('href', 'http://x.org/')])]
    """
    parser = _TextRuns()
    parser.feed(html)
    parser.close()
    return [(text, tags) for text, tags in parser.runs]
