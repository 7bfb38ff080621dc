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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, TreeBuilder
from xml.parsers.expat import ExpatError

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
    """expat's ``uri}tag`` as ``prefix:tag`` (or ``tag`` alone for Disqus's default
    namespace, or ``{uri}tag`` for a namespace we do not know)."""
    renamed = cache.get(name)
    if renamed is None:
        renamed = name
        uri, separator, tag = name.rpartition("}")
        if separator:
            renamed = "{" + name
            for pattern, prefix in NAMESPACES:
                if pattern.match(uri):
                    renamed = prefix + tag
                    break
        cache[name] = renamed
    return renamed


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
            source = Path(self.path).open("rb")  # noqa: SIM115 (closed by the with below)
        except OSError as error:
            raise ImportFailed(f"{self.path}: cannot be read ({error.strerror}).") from None
        with source:
            yield from self._read(source, depth)

    def _read(self, source, depth: int) -> Iterator[Located]:
        # defusedxml's parser, whose expat refuses DTDs, entity declarations and
        # external references; its element handlers are replaced by leaner ones (a
        # tree builder in C, and a note of the elements we want as they end): a large
        # export has millions of elements.
        parser = DefusedXMLParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
        expat = parser.parser
        tree = TreeBuilder()
        names = {}
        open_elements: list[Element] = []
        lines: list[int] = []
        ended: list[tuple[Element, int, Element | None]] = []

        def start(tag, attributes):
            if attributes:
                attributes = {
                    local_name(attributes[index], names): attributes[index + 1]
                    for index in range(0, len(attributes), 2)
                }
            else:
                attributes = {}
            element = tree.start(names.get(tag) or local_name(tag, names), attributes)
            if self.root is None:
                self.root = element
            open_elements.append(element)
            lines.append(expat.CurrentLineNumber)

        def end(tag):
            tree.end(names[tag])
            element = open_elements.pop()
            line = lines.pop()
            if len(open_elements) == depth:
                ended.append((element, line, open_elements[-1] if open_elements else None))

        expat.StartElementHandler = start
        expat.EndElementHandler = end
        expat.CharacterDataHandler = tree.data
        finished = False
        while not finished:
            chunk = source.read(CHUNK_SIZE)
            failure = None
            try:
                finished = not chunk
                expat.Parse(chunk, finished)
            except ExpatError as error:
                failure = self.fail(_describe(error), error.lineno)
            except ParseError as error:  # an undefined entity, from defusedxml's parser
                failure = self.fail(_describe(error), error.position[0])
            except DefusedXmlException:
                # Raised from expat's own handler, so expat still knows where it is.
                failure = self.fail(
                    "the file declares a DTD or entities, which imports refuse: "
                    "they can expand without end or read other files.",
                    expat.CurrentLineNumber,
                )
            self.line = expat.CurrentLineNumber
            # What ended before a parse error is handed over still (--continue keeps it).
            handed, ended[:] = list(ended), []
            for element, line, parent in handed:
                yield Located(element, line)
                element.clear()
                if parent is not None:
                    parent.remove(element)
            if failure is not None:
                raise failure


def _describe(error: Exception) -> str:
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
