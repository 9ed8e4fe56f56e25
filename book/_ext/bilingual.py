"""Sphinx extension: one source, two languages (English, and Persian from locales/fa/).

Loaded by both builds (`make book` and `make book-fa`). It

1. keeps formulas out of the translation catalogs: display math (``$$``, amsmath) is
   never a message, so a formula is written once, in the English source, and a fix to it
   reaches both editions (translating one would silently break it, e.g. into ``\\[::\\]``);
2. links every page to its counterpart in the other edition: the English site is
   ``_build/html/``, the Persian one ``_build/html/fa/``; the link is relative, so it
   works under a sub-path and from disk (book/_static/bilingual.js draws it);
3. in the Persian build (``-D language=fa``) only: sets ``dir="rtl"`` on every page,
   loads the Persian stylesheet and web font, and translates the strings that come from
   the theme and the extensions (book/_ext/locale/fa/LC_MESSAGES/*.po; the myst-nb prompt
   and sphinx-exercise's "Exercise", which are fixed when the build starts).
"""

import html
import re
from pathlib import Path

from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx.util.i18n import CatalogInfo

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
THEME_LOCALE = HERE / "locale"  # catalogs of theme/extension strings (not pages)
OTHER = {"en": "fa", "fa": "en"}  # each edition links to the other one
LABEL = {"en": "English", "fa": "فارسی"}
RTL = {"fa"}
VENDOR_STATIC = "_build/static"  # as in scripts/vendor_assets.py
FONT = "vendor/vazirmatn/Vazirmatn-NL.woff2"  # scripts/vendor_font.py

# Configuration values that hold English text shown on every page: myst-nb's prompts of
# folded code cells ("Show code cell {type}"; the Persian leaves {type} out, which would
# stay English), sphinx-togglebutton's hints, the theme's search box.
FIXED_STRINGS = {
    "fa": {
        "nb_code_prompt_show": "نمایش محتوای پنهان سلول",
        "nb_code_prompt_hide": "پنهان کردن محتوای سلول",
        "togglebutton_hint": "برای نمایش کلیک کنید",
        "togglebutton_hint_hide": "برای پنهان کردن کلیک کنید",
    },
}
SEARCH_BAR_TEXT = {"fa": "جستجو در این کتاب..."}


class MathIsNotAMessage(SphinxTransform):
    """Mark display math untranslatable before Sphinx extracts or applies messages
    (sphinx.transforms.i18n.Locale runs at priority 20)."""

    default_priority = 5

    def apply(self, **kwargs):
        for node in self.document.findall(nodes.math_block):
            node["translatable"] = False


# what is not prose in a message: math, code, roles and their targets, link targets, HTML
# tags, URLs; what is left of a message that needs translating has a Latin word
_NOT_PROSE = re.compile(
    r"\$\$.*?\$\$|\$[^$]+\$"  # math
    r"|``.*?``|`[^`]*`"  # code, role targets
    r"|\{[\w:-]+\}"  # {role}
    r"|\]\([^)]*\)|<[^>]+>"  # link targets, HTML tags
    r"|https?://\S+",
    re.S,
)
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def has_prose(message):
    """True if a message (MyST source) holds English words to translate; a message of only
    math, code, markup or Persian (the glossary's Persian cells) needs no translation."""
    return bool(_LATIN_WORD.search(_NOT_PROSE.sub(" ", message)))


class NoProseIsNotUntranslated(SphinxTransform):
    """translation_progress_classes marks every paragraph without a translation
    "untranslated" (persian-edition.css sets those left to right); a paragraph with no
    English prose (only Persian, math or code) needs none, so it loses the mark."""

    default_priority = 955  # after sphinx.transforms.i18n.AddTranslationClasses (950)

    def apply(self, **kwargs):
        for node in self.document.findall(nodes.Element):
            if "untranslated" in node.get("classes", []):
                text = "".join(
                    t.astext()
                    for t in node.findall(nodes.Text)
                    if not isinstance(t.parent, (nodes.math, nodes.literal, nodes.raw))
                )
                if not _LATIN_WORD.search(text):
                    node["classes"].remove("untranslated")


def language_of(config):
    return (config.language or "en").split("_")[0]


def compile_theme_catalogs(app, config):
    """Compile book/_ext/locale/<lang>/LC_MESSAGES/*.po to .mo (build output beside them,
    ignored by git) and register each as a message catalog; "sphinx" is the catalog of
    the theme's templates, "exercise" sphinx-exercise's, "booktheme" sphinx-book-theme's."""
    lang = language_of(config)
    folder = THEME_LOCALE / lang / "LC_MESSAGES"
    if not folder.is_dir():
        return
    for po in sorted(folder.glob("*.po")):
        info = CatalogInfo(str(folder), po.stem, "utf-8")
        if info.is_outdated():
            info.write_mo(lang)
        app.add_message_catalog(po.stem, str(THEME_LOCALE))


def translate_fixed_strings(app, config):
    """Values an extension reads once at start-up: set them for the build's language."""
    lang = language_of(config)
    for name, value in FIXED_STRINGS.get(lang, {}).items():
        config[name] = value
    if lang in SEARCH_BAR_TEXT:
        config.html_theme_options = {
            **config.html_theme_options,
            "search_bar_text": SEARCH_BAR_TEXT[lang],
        }
    if lang in RTL:
        # the web font, put there by scripts/vendor_font.py (make book-fa runs it)
        if VENDOR_STATIC not in config.html_static_path:
            config.html_static_path = [*config.html_static_path, VENDOR_STATIC]
        font = Path(app.confdir) / VENDOR_STATIC / FONT
        if not font.is_file():
            logger.warning("bilingual: %s is missing: run `python scripts/vendor_font.py`", font)
        app.add_css_file("persian-edition.css")


def counterpart_link(app, pagename, templatename, context, doctree):
    """A <meta> naming this page in the other edition, relative to this page;
    bilingual.js turns it into a visible link in the page's header."""
    lang = language_of(app.config)
    other = OTHER.get(lang)
    if other is None:
        return
    depth = pagename.count("/")
    up = "../" * depth
    target = f"{up}fa/{pagename}.html" if lang == "en" else f"{up}../{pagename}.html"
    context["metatags"] = context.get("metatags", "") + (
        f'\n<meta name="bilingual-counterpart" content="{target}" '
        f'data-lang="{other}" data-label="{LABEL[other]}">'
    )


def set_direction(app, exception):
    """<html lang="fa"> gets dir="rtl" (the theme's layout writes its own <html> tag,
    so the finished pages are edited)."""
    if exception is not None or app.builder.format != "html":
        return
    lang = language_of(app.config)
    if lang not in RTL:
        return
    tag = f'<html lang="{app.config.language}"'
    captions = caption_translations(app, lang)
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        edited = text
        if tag in text and 'dir="rtl"' not in text.split(">", 1)[0]:
            edited = edited.replace(tag, f'{tag} dir="rtl"', 1)
        for english, translated in captions.items():
            edited = edited.replace(f'caption-text">{english}<', f'caption-text">{translated}<')
        if edited != text:
            page.write_text(edited, encoding="utf-8")


def caption_translations(app, lang):
    """The toc's part captions ("II Momentum") as the root page's catalog translates them.
    The sidebar is built from the table of contents after the page is translated, so its
    captions stay English unless they are replaced in the finished pages."""
    from babel.messages.pofile import read_po

    captions = {}
    for folder in app.config.locale_dirs:
        po = Path(app.confdir) / folder / lang / "LC_MESSAGES" / f"{app.config.root_doc}.po"
        if po.is_file():
            with po.open("rb") as handle:
                catalog = read_po(handle)
            for entry in toc_captions(app):
                message = catalog.get(entry)
                if message is not None and message.string and not message.fuzzy:
                    captions[html.escape(entry, quote=False)] = html.escape(
                        message.string, quote=False
                    )
    return captions


def toc_captions(app):
    """The part captions of _toc.yml."""
    import yaml

    toc = yaml.safe_load((Path(app.confdir) / "_toc.yml").read_text(encoding="utf-8"))
    return [part["caption"] for part in toc.get("parts", []) if "caption" in part]


def setup(app):
    app.add_transform(MathIsNotAMessage)
    app.add_transform(NoProseIsNotUntranslated)
    # priority < 800: before sphinx-exercise's init_numfig reads "Exercise"
    app.connect("config-inited", compile_theme_catalogs, priority=100)
    app.connect("config-inited", translate_fixed_strings, priority=100)
    app.connect("html-page-context", counterpart_link)
    app.connect("build-finished", set_direction)
    app.add_js_file("bilingual.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
