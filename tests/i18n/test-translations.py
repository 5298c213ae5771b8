#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hopscope speaks every language that po/LINGUAS lists.

POTFILES.in lists every file that marks a string.  For each language: its
catalogue translates every string the sources mark today, with nothing
fuzzy, and its header names the language and its plural forms; hopscope,
pointed at the catalogues built in the build folder, prints its help and a
usage error in that language, and in English without it; and the files
merged at build time carry the translations: the polkit action's
description and message, the launcher's generic name, comment and keywords,
and the metainfo's summary.

Nothing here probes: the help and a usage error end before the helper
starts.  The only thing it creates is a temporary hs-po-* folder, removed at
the end, even on failure.

Usage: test-translations.py POLICY DESKTOP METAINFO
"""

import configparser
import gettext
import os
import re
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ElementTree

HOPSCOPE = os.environ["HOPSCOPE"]
SOURCE_ROOT = os.environ["HOPSCOPE_SOURCE_ROOT"]
LOCALEDIR = os.environ["HOPSCOPE_TEST_LOCALEDIR"]
SCHEMA_DIR = os.environ["HOPSCOPE_TEST_SCHEMA_DIR"]
PO_DIR = os.path.join(SOURCE_ROOT, "po")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# The keywords of meson's glib preset, which po/meson.build uses: only the
# set of strings matters here, not the notes for translators.
XGETTEXT_KEYWORDS = ["_", "N_", "C_:1c,2", "NC_:1c,2", "g_dcgettext:2",
                     "g_dngettext:2,3", "g_dpgettext2:2c,3"]
# A string marked for translation in C, or in a GtkBuilder file.
MARK = re.compile(r'\b(?:N?C?_|g_dn?gettext|g_dpgettext2)\s*\(|'
                  r'translatable="yes"')

# Where the command line's messages are in its English output, so that the
# test follows their wording as it changes: the --report option's
# description in the report's help, the summary paragraph of the window's
# help, and the first line of a usage error.
REPORT_OPTION = re.compile(r"^\s+-r, --report\s+(.+)$", re.MULTILINE)
SUMMARY = re.compile(r"\n\n(.+?)\n\n")
USAGE_ERROR = re.compile(r"^hopscope: (.+)$", re.MULTILINE)


def languages():
    """The languages that po/LINGUAS lists, comments left out."""
    with open(os.path.join(PO_DIR, "LINGUAS"), encoding="utf-8") as file:
        return [word for line in file
                if not line.lstrip().startswith("#")
                for word in line.split()]


def catalogue(language):
    """The compiled catalogue of LANGUAGE, as hopscope reads it."""
    path = os.path.join(LOCALEDIR, language, "LC_MESSAGES", "hopscope.mo")
    with open(path, "rb") as file:
        return gettext.GNUTranslations(file)


def run_hopscope(arguments, language):
    """Runs hopscope with no display, in LANGUAGE or, given None, in
    English; returns its exit status and what it wrote to both outputs."""
    # The rest of the environment stays: the sanitizers' options among it.
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("LC_")
           and name not in ("LANG", "LANGUAGE", "DISPLAY", "WAYLAND_DISPLAY")}
    env.update({
        "HOPSCOPE_LOCALEDIR": LOCALEDIR,
        "GSETTINGS_SCHEMA_DIR": SCHEMA_DIR,
        # C.UTF-8 is in every glibc, and gettext honours LANGUAGE in it
        # (not in plain C); without LANGUAGE it speaks English.
        "LC_ALL": "C.UTF-8",
    })
    if language:
        env["LANGUAGE"] = language
    result = subprocess.run([HOPSCOPE] + arguments, env=env,
                            stdin=subprocess.DEVNULL, capture_output=True,
                            timeout=30, check=False)
    return (result.returncode,
            (result.stdout + result.stderr).decode("utf-8"))


def translated(test, language, msgid):
    """The translation of MSGID into LANGUAGE, which must be one."""
    text = catalogue(language).gettext(msgid)
    test.assertNotEqual(text, msgid,
                        f"{language}.po does not translate {msgid!r}")
    return text


class CatalogueTest(unittest.TestCase):
    """Each catalogue is whole: every string the sources mark today has a
    translation that is neither empty nor fuzzy."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="hs-po-")
        cls.pot = os.path.join(cls.tmp.name, "hopscope.pot")
        subprocess.run(["xgettext", "--from-code=UTF-8",
                        "--files-from", os.path.join(PO_DIR, "POTFILES.in"),
                        "--directory", SOURCE_ROOT, "--output", cls.pot]
                       + [f"--keyword={k}" for k in XGETTEXT_KEYWORDS],
                       check=True)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_potfiles(self):
        # A file that marks strings but is missing from POTFILES.in would
        # show them in English whatever the language.
        with open(os.path.join(PO_DIR, "POTFILES.in"),
                  encoding="utf-8") as file:
            listed = {line.strip() for line in file
                      if line.strip() and not line.startswith("#")}
        for name in sorted(listed):
            self.assertTrue(os.path.isfile(os.path.join(SOURCE_ROOT, name)),
                            f"POTFILES.in lists {name}, which is missing")

        marked = set()
        for folder in ("src", "data", "polkit"):
            for parent, _, names in os.walk(os.path.join(SOURCE_ROOT,
                                                         folder)):
                for name in names:
                    path = os.path.join(parent, name)
                    if name.endswith((".desktop.in", ".metainfo.xml.in",
                                      ".policy.in", ".gschema.xml")):
                        marked.add(path)
                    elif name.endswith((".c", ".ui")):
                        with open(path, encoding="utf-8") as file:
                            if MARK.search(file.read()):
                                marked.add(path)
        for path in sorted(marked):
            name = os.path.relpath(path, SOURCE_ROOT)
            self.assertIn(name, listed, f"{name} has strings to translate: "
                          "list it in po/POTFILES.in")

    def test_linguas(self):
        self.assertGreaterEqual(len(languages()), 2,
                                "po/LINGUAS lists fewer than two languages")

    def test_complete(self):
        for language in languages():
            with self.subTest(language=language):
                po = os.path.join(PO_DIR, language + ".po")
                check = subprocess.run(
                    ["msgfmt", "--check", "--statistics",
                     "--output-file=/dev/null", po],
                    capture_output=True, text=True, check=False)
                self.assertEqual(check.returncode, 0, check.stderr)
                self.assertNotRegex(check.stderr, "fuzzy|untranslated",
                                    f"{po}: {check.stderr}")

                # msgcmp counts an untranslated or fuzzy entry as missing.
                compare = subprocess.run(["msgcmp", po, self.pot],
                                         capture_output=True, text=True,
                                         check=False)
                self.assertEqual(
                    compare.returncode, 0,
                    f"{po} does not translate every string the sources "
                    "mark: run `ninja hopscope-update-po` and translate "
                    f"what it adds.\n{compare.stderr}")

    def test_plural_forms(self):
        expected = {"de": "nplurals=2; plural=(n != 1);",
                    "fr": "nplurals=2; plural=(n > 1);"}
        for language in languages():
            with self.subTest(language=language):
                info = catalogue(language).info()
                self.assertEqual(info.get("language"), language)
                self.assertIn("charset=UTF-8", info.get("content-type", ""))
                if language in expected:
                    self.assertEqual(info.get("plural-forms"),
                                     expected[language])


class CommandLineTest(unittest.TestCase):
    """hopscope speaks the user's language from its first message on."""

    def english(self, arguments, pattern, status):
        """The message that PATTERN finds in the English output."""
        code, output = run_hopscope(arguments, None)
        self.assertEqual(code, status, output)
        found = pattern.search(output)
        self.assertIsNotNone(found, output)
        return found.group(1).strip()

    def check_translated(self, arguments, pattern, status):
        msgid = self.english(arguments, pattern, status)
        for language in languages():
            with self.subTest(arguments=arguments, language=language):
                code, output = run_hopscope(arguments, language)
                self.assertEqual(code, status, output)
                self.assertIn(translated(self, language, msgid), output)
                self.assertNotIn(msgid, output)

    def test_report_help(self):
        self.check_translated(["--report", "--help"], REPORT_OPTION, 0)

    def test_usage_error(self):
        # No target: the report stops before it starts the helper, with
        # mtr's exit status for a usage error.
        self.check_translated(["--report"], USAGE_ERROR, 2)

    def test_application_help(self):
        # The window's own options, parsed before GTK opens a display.
        self.check_translated(["--help"], SUMMARY, 0)


class MergedFilesTest(unittest.TestCase):
    """The files that carry their translations inside them."""

    def check_xml(self, path, element_path, what):
        root = ElementTree.parse(path).getroot()
        elements = root.findall(element_path)
        english = [e for e in elements if XML_LANG not in e.attrib]
        self.assertEqual(len(english), 1, f"{path}: one {what} in English")
        msgid = " ".join(english[0].text.split())
        for language in languages():
            with self.subTest(what=what, language=language):
                found = [e.text for e in elements
                         if e.attrib.get(XML_LANG) == language]
                self.assertEqual(
                    found, [translated(self, language, msgid)],
                    f"{path}: the {what} in {language}")

    def test_polkit_action(self):
        # The message is what the password dialog shows.
        for element in ("description", "message"):
            self.check_xml(POLICY, "./action/" + element,
                           "polkit action's " + element)

    def test_metainfo_summary(self):
        self.check_xml(METAINFO, "./summary", "summary")

    def test_desktop_comment(self):
        entry = configparser.RawConfigParser(delimiters=("=",),
                                             interpolation=None)
        entry.optionxform = str
        entry.read(DESKTOP, encoding="utf-8")
        section = entry["Desktop Entry"]
        for language in languages():
            with self.subTest(language=language):
                for key in ("GenericName", "Comment", "Keywords"):
                    self.assertEqual(
                        section.get(f"{key}[{language}]"),
                        translated(self, language, section[key]),
                        f"{DESKTOP}: {key}[{language}]")


if __name__ == "__main__":
    POLICY, DESKTOP, METAINFO = sys.argv[1:4]
    del sys.argv[1:4]
    unittest.main(verbosity=2)
