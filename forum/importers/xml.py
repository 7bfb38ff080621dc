"""Reading an export file safely, one element at a time.

Exports run to hundreds of megabytes, so the file is never held as a tree: each element
the importer asks for (a WordPress ``<item>``, a Disqus ``<thread>`` or ``<post>``) is
handed over once it is complete, then cleared and dropped from its parent. The parser is
defusedxml's: a file with a DTD (the only way to declare entities, hence entity bombs and
external entities) is refused. Tags are renamed as they are read to ``prefix:name``
with prefixes of our own, so that the WordPress namespace matches in every form
WordPress has written (``http://`` or ``https://``, export/1.0/, 1.1/ or 1.2/).
"""

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, TreeBuilder, XMLPullParser

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from .base import ImportFailed

# Our prefix for each namespace, matched on the part of its URI that does not change
# between versions. The excerpt namespace sits under the export one: it comes first.
NAMESPACES = (
    (re.compile(r"^https?://wordpress\.org/export/[^/]+/excerpt/?$"), "excerpt:"),
    (re.compile(r"^https?://wordpress\.org/export/"), "wp:"),
    (re.compile(r"^https?://purl\.org/rss/1\.0/modules/content/?$"), "content:"),
    (re.compile(r"^https?://purl\.org/dc/elements/1\.1/?$"), "dc:"),
    (re.compile(r"^https?://wellformedweb\.org/CommentAPI/?$"), "wfw:"),
    (re.compile(r"^https?://disqus\.com/disqus-internals/?$"), "dsq:"),
    (re.compile(r"^https?://disqus\.com/?$"), ""),  # Disqus's default namespace
)

CHUNK_SIZE = 64 * 1024


def local_name(name: str, cache: dict) -> str:
    """``{uri}tag`` as ``prefix:tag`` (or ``tag`` alone for Disqus's default namespace)."""
    renamed = cache.get(name)
    if renamed is None:
        renamed = name
        if name.startswith("{"):
            uri, _, tag = name[1:].partition("}")
            for pattern, prefix in NAMESPACES:
                if pattern.match(uri):
                    renamed = prefix + tag
                    break
        cache[name] = renamed
    return renamed


class _Builder:
    """A tree builder that renames tags and notes the line each element starts on."""

    def __init__(self):
        self.builder = TreeBuilder()
        self.names = {}
        self.parser = None  # the expat parser, set once the parser exists
        # The line each element started on, in the order of their "start" events.
        self.lines = deque()

    def start(self, tag, attributes):
        names = self.names
        attributes = {local_name(key, names): value for key, value in attributes.items()}
        self.lines.append(self.parser.CurrentLineNumber)
        return self.builder.start(local_name(tag, names), attributes)

    def end(self, tag):
        return self.builder.end(local_name(tag, self.names))

    def data(self, text):
        self.builder.data(text)

    def close(self):
        return self.builder.close()


@dataclass
class Located:
    element: Element
    line: int  # where the element starts in the file


class XmlStream:
    """The elements at one depth of an XML file (1: the root's children), as they end.

    ``root`` is the root element (its children already handed over are gone), known
    once the first element has been read.
    """

    def __init__(self, path: str):
        self.path = path
        self.root: Element | None = None
        self.line = 0  # the line the parser has reached

    def fail(self, message: str, line: int | None = None) -> ImportFailed:
        return ImportFailed(f"{self.path}: line {line or self.line}: {message}")

    def elements(self, depth: int) -> Iterator[Located]:
        try:
            source = Path(self.path).open("rb")
        except OSError as error:
            raise ImportFailed(f"{self.path}: cannot be read ({error.strerror}).") from None
        with source:
            yield from self._read(source, depth)

    def _read(self, source, depth: int) -> Iterator[Located]:
        builder = _Builder()
        parser = DefusedXMLParser(
            target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        builder.parser = parser.parser
        pull = XMLPullParser(events=("start", "end"), _parser=parser)
        stack: list[tuple[Element, int]] = []
        finished = False
        while not finished:
            chunk = source.read(CHUNK_SIZE)
            try:
                if chunk:
                    pull.feed(chunk)
                else:
                    pull.close()
                    finished = True
            except ParseError as error:
                line = error.position[0] if error.position else builder.parser.CurrentLineNumber
                raise self.fail(_describe(error), line) from None
            except DefusedXmlException:
                raise self.fail(
                    "the file declares a DTD or entities, which imports refuse: "
                    "they can expand without end or read other files."
                ) from None
            self.line = builder.parser.CurrentLineNumber
            for event, element in pull.read_events():
                if event == "start":
                    if self.root is None:
                        self.root = element
                    stack.append((element, builder.lines.popleft()))
                    continue
                _, line = stack.pop()
                if len(stack) == depth:
                    yield Located(element, line)
                    element.clear()
                    if stack:
                        stack[-1][0].remove(element)


def _describe(error: ParseError) -> str:
    text = str(error).split(":")[0]
    if text == "no element found" or text == "unclosed token":
        return "the file ends early (truncated?): " + text
    if text.startswith("not well-formed") or text == "syntax error":
        return f"not well-formed XML ({text})"
    return f"broken XML ({text})"


def text_of(element: Element) -> dict[str, str]:
    """The text of each child of ``element`` by tag (the first child of each tag)."""
    fields = {}
    for child in element:
        if child.tag not in fields:
            fields[child.tag] = child.text or ""
    return fields
