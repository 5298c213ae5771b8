#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""meson install, as a distribution's package build runs it.

The test configures a build folder of its own from a copy of the source
tree that any user can read (-Dtests=false, prefix /usr), builds it once,
then installs it with `meson install --destdir` into a fresh folder for
each value of the option helper_install (capability, setuid, none),
changing the option with `meson configure` in between.  Each time it
checks that every file a distribution expects is in place, that the helper
got exactly the privilege asked for (getcap, mode and owner), and that the
installed polkit action names the helper at its installed path, not at the
DESTDIR one.

Then it installs once more as the user nobody, who cannot set a capability
nor make a file setuid root: the install must still succeed, and say what a
packager must run.  And a plain install into a prefix of its own, without
DESTDIR, must also compile the schemas and refresh the icon cache and the
launchers' list, which a DESTDIR install leaves to the package.

Runs as root, in about half a minute.  Everything it makes is under one
temporary folder, /tmp/hs-inst-XXXXXXXX, removed at the end even on failure.
"""

import os
import pwd
import shutil
import stat
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ElementTree

PREFIX = "hs-inst"
SOURCE = os.environ.get("HOPSCOPE_SOURCE_ROOT",
                        os.path.join(os.path.dirname(__file__), "..", ".."))

INSTALL_PREFIX = "/usr"
LIBEXECDIR = "libexec"
HELPER = f"{INSTALL_PREFIX}/{LIBEXECDIR}/hopscope-probe"
APP_ID = "io.github.hopscope.Hopscope"
POLICY = f"usr/share/polkit-1/actions/{APP_ID}.policy"
EXEC_PATH = "org.freedesktop.policykit.exec.path"

# Every file a distribution expects, relative to the DESTDIR.
EXPECTED_FILES = [
    "usr/bin/hopscope",
    HELPER.lstrip("/"),
    POLICY,
    f"usr/share/applications/{APP_ID}.desktop",
    f"usr/share/metainfo/{APP_ID}.metainfo.xml",
    f"usr/share/icons/hicolor/scalable/apps/{APP_ID}.svg",
    f"usr/share/icons/hicolor/symbolic/apps/{APP_ID}-symbolic.svg",
    f"usr/share/glib-2.0/schemas/{APP_ID}.gschema.xml",
    "usr/share/man/man1/hopscope.1",
    "usr/share/man/man8/hopscope-probe.8",
]

# What the post-install steps would write into the live system.  meson
# leaves them out of a DESTDIR install (the package's own scripts run them
# on the target system), so they must not be in the DESTDIR tree.
POST_INSTALL_FILES = [
    "usr/share/glib-2.0/schemas/gschemas.compiled",
    "usr/share/icons/hicolor/icon-theme.cache",
    "usr/share/applications/mimeinfo.cache",
]


def languages():
    """The languages po/LINGUAS lists, whose catalogues must be installed."""
    names = []
    with open(os.path.join(SOURCE, "po", "LINGUAS"), encoding="utf-8") as f:
        for line in f:
            names.extend(line.split("#", 1)[0].split())
    return names


def run(argv, user=None, env=None, check=True):
    """Runs ARGV, as USER (a name) when given, and returns the result with
    standard output and error together."""
    if user is not None:
        entry = pwd.getpwnam(user)
        argv = ["setpriv", f"--reuid={entry.pw_uid}",
                f"--regid={entry.pw_gid}", "--clear-groups",
                "--inh-caps=-all", "--", *argv]
    result = subprocess.run(argv, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed with status "
                             f"{result.returncode}:\n{result.stdout}")
    return result


def capabilities(path):
    """What getcap says of PATH, without the path: "" when it has none."""
    output = run(["getcap", path]).stdout.strip()
    return output[len(path):].strip() if output.startswith(path) else output


def chown_tree(path, uid):
    os.lchown(path, uid, -1)
    for root, folders, files in os.walk(path):
        for name in folders + files:
            os.lchown(os.path.join(root, name), uid, -1)


def setUpModule():
    if os.geteuid() != 0:
        raise AssertionError("the install test needs root: it checks the "
                             "capability and the setuid bit it sets")
    for program in ("meson", "ninja", "getcap", "setpriv"):
        if shutil.which(program) is None:
            raise AssertionError(f"the install test needs {program}")


class InstallTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix=PREFIX + "-")
        cls.addClassCleanup(shutil.rmtree, cls.directory, True)
        os.chmod(cls.directory, 0o755)
        cls.source = os.path.join(cls.directory, "source")
        shutil.copytree(SOURCE, cls.source, symlinks=True,
                        ignore=shutil.ignore_patterns(
                            ".git", "_build*", "__pycache__"))
        cls.build = os.path.join(cls.directory, "build")
        # The meson test environment describes the build the test runs
        # from; the build made here is another one.
        cls.env = {key: value for key, value in os.environ.items()
                   if not key.startswith(("MESON", "HOPSCOPE_PROBE",
                                          "HOPSCOPE_BUILD", "DESTDIR"))}
        run(["meson", "setup", cls.build, cls.source, "-Dtests=false",
             f"--prefix={INSTALL_PREFIX}", f"--libexecdir={LIBEXECDIR}",
             "--buildtype=plain"], env=cls.env)
        run(["ninja", "-C", cls.build], env=cls.env)

    def install(self, mode, user=None):
        """Installs with helper_install=MODE into a new folder, as USER;
        returns the folder and what meson printed."""
        run(["meson", "configure", self.build, f"-Dhelper_install={mode}"],
            env=self.env)
        run(["ninja", "-C", self.build], env=self.env)
        destdir = tempfile.mkdtemp(prefix="destdir-", dir=self.directory)
        if user is None:
            result = run(["meson", "install", "-C", self.build,
                          "--no-rebuild", "--destdir", destdir],
                         env=self.env)
            return destdir, result.stdout

        # meson install writes its log into the build folder, so the user
        # owns it for the time of the install.
        entry = pwd.getpwnam(user)
        os.chown(destdir, entry.pw_uid, entry.pw_gid)
        chown_tree(self.build, entry.pw_uid)
        # As in a package build, the output goes through a pipe of the
        # user's (to a log, say): meson 1.0 shows an install script's lines
        # only through its own output, which the script can reach when its
        # user owns it.
        try:
            result = run(["sh", "-c",
                          '{ "$@" 2>&1 || echo "exit status $?"; } | cat',
                          "sh", "meson", "install", "-C", self.build,
                          "--no-rebuild", "--destdir", destdir], user=user,
                         env=dict(self.env, HOME="/nonexistent"))
        finally:
            chown_tree(self.build, 0)
        output = result.stdout
        self.assertNotIn("exit status", output)
        return destdir, output

    def check_files(self, destdir):
        expected = list(EXPECTED_FILES)
        for language in languages():
            expected.append(f"usr/share/locale/{language}/LC_MESSAGES/"
                            "hopscope.mo")
        missing = [path for path in expected
                   if not os.path.isfile(os.path.join(destdir, path))]
        self.assertEqual(missing, [], "files meson install left out")

        for path in ("usr/bin/hopscope", HELPER.lstrip("/")):
            mode = os.stat(os.path.join(destdir, path)).st_mode
            self.assertTrue(mode & stat.S_IXOTH, f"{path} is not executable")

        # Nothing outside the prefix: a package holds /usr only.
        for entry in os.listdir(destdir):
            self.assertEqual(entry, "usr", f"installed outside /usr: {entry}")

        present = [path for path in POST_INSTALL_FILES
                   if os.path.exists(os.path.join(destdir, path))]
        self.assertEqual(present, [], "post-install steps ran into DESTDIR")

        # The action names the helper where it will live, not where this
        # install put it.
        root = ElementTree.parse(os.path.join(destdir, POLICY)).getroot()
        paths = [annotate.text for annotate in root.iter("annotate")
                 if annotate.get("key") == EXEC_PATH]
        self.assertEqual(paths, [HELPER])

    def helper_in(self, destdir):
        return os.path.join(destdir, HELPER.lstrip("/"))

    def test_capability(self):
        destdir, output = self.install("capability")
        self.check_files(destdir)
        helper = self.helper_in(destdir)
        self.assertEqual(capabilities(helper), "cap_net_raw=ep", output)
        status = os.stat(helper)
        self.assertFalse(status.st_mode & stat.S_ISUID)

    def test_setuid(self):
        destdir, output = self.install("setuid")
        self.check_files(destdir)
        helper = self.helper_in(destdir)
        status = os.stat(helper)
        self.assertEqual(stat.S_IMODE(status.st_mode), 0o4755, output)
        self.assertEqual((status.st_uid, status.st_gid), (0, 0))
        self.assertEqual(capabilities(helper), "")

    def test_none(self):
        destdir, output = self.install("none")
        self.check_files(destdir)
        helper = self.helper_in(destdir)
        status = os.stat(helper)
        self.assertEqual(stat.S_IMODE(status.st_mode), 0o755)
        self.assertEqual(capabilities(helper), "")

    def test_plain_install(self):
        """Without DESTDIR, into a prefix of its own: the post-install
        steps run, and the action names the helper under that prefix."""
        prefix = os.path.join(self.directory, "prefix")
        build = os.path.join(self.directory, "build-plain")
        run(["meson", "setup", build, self.source, "-Dtests=false",
             f"--prefix={prefix}", f"--libexecdir={LIBEXECDIR}",
             "--buildtype=plain", "-Dhelper_install=capability"],
            env=self.env)
        run(["meson", "install", "-C", build], env=self.env)

        helper = os.path.join(prefix, LIBEXECDIR, "hopscope-probe")
        self.assertEqual(capabilities(helper), "cap_net_raw=ep")
        for path in EXPECTED_FILES + POST_INSTALL_FILES:
            path = path.replace("usr/", "", 1)
            self.assertTrue(os.path.isfile(os.path.join(prefix, path)),
                            f"{path} is not under {prefix}")
        policy = os.path.join(prefix, POLICY.replace("usr/", "", 1))
        root = ElementTree.parse(policy).getroot()
        self.assertEqual([annotate.text for annotate in root.iter("annotate")
                          if annotate.get("key") == EXEC_PATH], [helper])

    def test_user_cannot_set_privilege(self):
        """A package built as a normal user: the install succeeds, the
        helper has no privilege, and the output says what to run."""
        destdir, output = self.install("capability", user="nobody")
        self.check_files(destdir)
        helper = self.helper_in(destdir)
        self.assertEqual(capabilities(helper), "")
        self.assertIn(f"setcap cap_net_raw+ep {HELPER}", output)

        destdir, output = self.install("setuid", user="nobody")
        self.check_files(destdir)
        status = os.stat(self.helper_in(destdir))
        self.assertFalse(status.st_mode & stat.S_ISUID)
        self.assertIn(f"chown root:root {HELPER} && chmod 4755 {HELPER}",
                      output)


if __name__ == "__main__":
    unittest.main(verbosity=2)
