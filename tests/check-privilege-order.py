#!/usr/bin/env python3
# Copyright 2026 The Hopscope authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Static check of the helper's start-up order.

The helper may hold a privilege only while it opens its sockets.  This
check reads helper/*.c and asserts, from the source:

  (a) in main, every socket the start-up opens is opened before the first
      step of the privilege drop, and the whole drop (groups, gid, uid,
      capabilities, no-new-privs, seccomp) is done before the first read
      of standard input and before the loop that reads it;
  (b) nothing anywhere in helper/ gains a privilege: the only capability
      calls are the clearing ones, cap_set_proc only ever applies a set
      made empty in the same function, and no setuid(0), seteuid(0),
      cap_set_flag(..., CAP_SET), PR_CAP_AMBIENT_RAISE or cap_set_file
      appears.

The order is found by inlining, in source order, every call main makes to
a function defined in helper/*.c, so the check follows the start-up
through whichever functions open the sockets and drop the privileges.

Usage: check-privilege-order.py HELPER_DIR      check the helper
       check-privilege-order.py --self-test DIR  check DIR, then prove on
                                                 mutated copies that the
                                                 check fails when it must
"""

import glob
import os
import re
import shutil
import sys
import tempfile

KEYWORDS = {
    "if", "for", "while", "do", "switch", "return", "sizeof", "case",
    "else", "goto", "break", "continue", "default", "typedef", "struct",
    "union", "enum", "static", "const", "volatile", "inline", "extern",
    "_Alignof", "alignof", "__attribute__", "_Static_assert",
    "__typeof__", "typeof", "defined",
}

LOOP_KEYWORDS = {"for", "while", "do"}

# Each step of the drop, and the calls that do it.  A step is done by any
# of its calls; prctl and syscall steps are told apart by their arguments.
DROP_STEPS = {
    "groups": {"setgroups"},
    "gid": {"setresgid", "setregid", "setgid"},
    "uid": {"setresuid", "setreuid", "setuid"},
    "capabilities": {"cap_set_proc", "capng_apply", "capset"},
    "no-new-privs": set(),
    "seccomp": {"seccomp_load"},
}

STDIO_READS = {
    "fgets", "getline", "getdelim", "fread", "fscanf", "getc", "fgetc",
    "getc_unlocked", "fgetc_unlocked", "fgets_unlocked", "vfscanf",
}

# Capability API names that only read, clear, free or describe a set.
CAPABILITY_ALLOWED = {
    "cap_init", "cap_clear", "cap_clear_flag", "cap_free", "cap_get_proc",
    "cap_get_pid", "cap_get_flag", "cap_compare", "cap_to_text",
    "cap_to_name", "cap_from_name", "cap_get_bound", "cap_get_ambient",
    "cap_max_bits", "cap_set_proc", "cap_set_flag", "cap_dup",
    "cap_t", "cap_value_t", "cap_flag_t", "cap_flag_value_t",
    "cap_user_header_t", "cap_user_data_t",
    "capng_clear", "capng_apply", "capng_have_capability",
    "capng_get_caps_process", "capng_have_capabilities",
    "capng_print_caps_numeric", "capng_print_caps_text",
}

PRCTL_CAPABILITY_ALLOWED = {
    "PR_CAP_AMBIENT", "PR_CAP_AMBIENT_CLEAR_ALL", "PR_CAP_AMBIENT_IS_SET",
    "PR_CAPBSET_DROP", "PR_CAPBSET_READ",
}


class Token:
    __slots__ = ("kind", "text", "offset", "line")

    def __init__(self, kind, text, offset, line):
        self.kind = kind
        self.text = text
        self.offset = offset
        self.line = line

    def __repr__(self):
        return "%s:%r@%d" % (self.kind, self.text, self.line)


TOKEN_RE = re.compile(r"""
    (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<string>"(?:\\.|[^"\\\n])*")
  | (?P<char>'(?:\\.|[^'\\\n])+')
  | (?P<preproc>^[ \t]*\#(?:\\\n|[^\n])*)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>\.?[0-9](?:[eEpP][+-]|[A-Za-z0-9_.])*)
  | (?P<space>\s+)
  | (?P<punct>->|\+\+|--|<<=|>>=|<<|>>|<=|>=|==|!=|&&|\|\|
             |[-+*/%&|^]=|\.\.\.|.)
""", re.VERBOSE | re.DOTALL | re.MULTILINE)


def tokenize(text):
    """Returns the tokens of TEXT without comments and preprocessor lines;
    a string or character literal stays, as one token."""
    tokens = []
    line = 1
    for match in TOKEN_RE.finditer(text):
        kind = match.lastgroup
        value = match.group()
        if kind in ("ident", "number", "punct"):
            tokens.append(Token(kind, value, match.start(), line))
        elif kind in ("string", "char"):
            tokens.append(Token(kind, value, match.start(), line))
        line += value.count("\n")
    return tokens


def macro_bodies(path):
    """Returns the tokens of the bodies of PATH's #define lines, so that a
    call hidden in a macro is seen too; their lines are the defines'."""
    tokens = []
    with open(path, encoding="utf-8") as source:
        text = source.read()
    for match in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+\w+(?:\([^)]*\))?"
                             r"((?:\\\n|[^\n])*)", text, re.MULTILINE):
        line = text.count("\n", 0, match.start()) + 1
        for token in tokenize(match.group(1).replace("\\\n", " \n")):
            token.line += line - 1
            token.offset = -1
            tokens.append(token)
    return tokens


def matching(tokens, index, opening, closing):
    """Returns the index of the token closing the one at INDEX."""
    depth = 0
    for i in range(index, len(tokens)):
        if tokens[i].text == opening:
            depth += 1
        elif tokens[i].text == closing:
            depth -= 1
            if depth == 0:
                return i
    raise ValueError("unbalanced %s at line %d"
                     % (opening, tokens[index].line))


def split_arguments(tokens, open_index, close_index):
    """Returns the argument token lists of a call's parentheses."""
    arguments = []
    current = []
    depth = 0
    for token in tokens[open_index + 1:close_index]:
        if token.text in ("(", "[", "{"):
            depth += 1
        elif token.text in (")", "]", "}"):
            depth -= 1
        if token.text == "," and depth == 0:
            arguments.append(current)
            current = []
        else:
            current.append(token)
    if current or arguments:
        arguments.append(current)
    return arguments


def argument_text(argument):
    return " ".join(token.text for token in argument)


def _until_separator(tokens, index):
    """The tokens from INDEX up to the next "," or ";" outside brackets."""
    depth = 0
    result = []
    for token in tokens[index:]:
        if token.text in ("(", "[", "{"):
            depth += 1
        elif token.text in (")", "]", "}"):
            if depth == 0:
                break
            depth -= 1
        elif token.text in (",", ";") and depth == 0:
            break
        result.append(token)
    return result


def _is_zero(words, zero_names=()):
    """True for "0", "0U", "(uid_t) 0", "((gid_t) 0)" and names of 0."""
    words = [w for w in words if w not in ("(", ")", "uid_t", "gid_t",
                                           "unsigned", "int", "long")]
    return len(words) == 1 and (words[0] in ("0", "0U", "0u", "0UL",
                                             "0ul", "0L", "0l")
                                or words[0] in zero_names)


class Function:
    def __init__(self, name, path, tokens, body_start, body_end):
        self.name = name
        self.path = path
        self.tokens = tokens
        self.body_start = body_start   # index of "{"
        self.body_end = body_end       # index of "}"

    @property
    def line(self):
        return self.tokens[self.body_start].line



def open_paren_before(tokens, j):
    """The index of the "(" that the ")" at J closes, walking back; -1 when
    there is none."""
    depth = 0
    k = j
    while k >= 0:
        if tokens[k].text == ")":
            depth += 1
        elif tokens[k].text == "(":
            depth -= 1
            if depth == 0:
                break
        k -= 1
    return k

def find_functions(path, tokens):
    """Finds the function definitions at file level."""
    functions = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.text == "{":
            end = matching(tokens, i, "{", "}")
            # A definition is "name ( ... ) {", perhaps with attributes
            # between the parameter list and the brace.
            j = i - 1
            while j >= 0 and tokens[j].text != ")":
                if tokens[j].text in (";", "}", "=", ","):
                    j = -1
                    break
                j -= 1
            if j > 0:
                k = open_paren_before(tokens, j)
                # Skip __attribute__ ((...)) lists back to the declarator.
                while (k > 0 and tokens[k - 1].kind == "ident"
                       and tokens[k - 1].text == "__attribute__"):
                    j = k - 2
                    while j >= 0 and tokens[j].text != ")":
                        j -= 1
                    k = open_paren_before(tokens, j)
                if (k > 0 and tokens[k - 1].kind == "ident"
                        and tokens[k - 1].text not in KEYWORDS):
                    functions.append(Function(tokens[k - 1].text, path,
                                              tokens, i, end))
            i = end + 1
        else:
            i += 1
    return functions


class Event:
    """One thing the start-up does, in source order after inlining."""

    def __init__(self, kind, detail, function, line, call_path):
        self.kind = kind
        self.detail = detail
        self.function = function
        self.line = line
        self.call_path = call_path

    def where(self):
        return "%s (%s:%d, via %s)" % (
            self.detail, os.path.basename(self.function.path), self.line,
            " -> ".join(self.call_path))


class Helper:
    def __init__(self, directory):
        self.directory = directory
        # Headers too: a static inline function or a macro in one is as
        # much the helper's code as a .c file.
        self.files = sorted(glob.glob(os.path.join(directory, "*.c")))
        self.files += sorted(glob.glob(os.path.join(directory, "*.h")))
        self.tokens = {}
        self.macro_tokens = {}
        self.functions = {}
        self.local_functions = {}
        for path in self.files:
            with open(path, encoding="utf-8") as source:
                tokens = tokenize(source.read())
            self.tokens[path] = tokens
            self.macro_tokens[path] = macro_bodies(path)
            # A call goes to the function of that name in the caller's
            # own file first: two files may each have a static one.
            local = self.local_functions.setdefault(path, {})
            for function in find_functions(path, tokens):
                local.setdefault(function.name, function)
                self.functions.setdefault(function.name, function)
        self.stdin_names = self._find_stdin_names()
        self.zero_names = self._find_zero_names()

    def _find_stdin_names(self):
        """Names (variables or fields) that are given standard input's fd."""
        names = set()
        for tokens in self.tokens.values():
            for i, token in enumerate(tokens):
                if token.text == "=" and i + 1 < len(tokens):
                    value = tokens[i + 1].text
                    is_stdin = value == "STDIN_FILENO" or (
                        value == "fileno" and i + 3 < len(tokens)
                        and tokens[i + 3].text == "stdin")
                    if is_stdin and i > 0 and tokens[i - 1].kind == "ident":
                        names.add(tokens[i - 1].text)
        return names

    def _find_zero_names(self):
        """Names that stand for 0: "const ... NAME = 0" and
        "#define NAME 0", so that setuid (NAME) is seen as setuid (0)."""
        names = set()
        for path, tokens in self.tokens.items():
            for i, token in enumerate(tokens):
                if (token.text == "=" and 0 < i < len(tokens) - 2
                        and tokens[i - 1].kind == "ident"
                        and _is_zero([t.text for t in
                                      _until_separator(tokens, i + 1)])):
                    # Only constants: a variable set to 0 and changed
                    # later is not a name for root.
                    j = i - 2
                    while j >= 0 and tokens[j].text not in (";", "{", "}",
                                                            "(", ")"):
                        if tokens[j].text == "const":
                            names.add(tokens[i - 1].text)
                            break
                        j -= 1
            with open(path, encoding="utf-8") as source:
                for match in re.finditer(
                        r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)"
                        r"[ \t]+([^\n]*)$", source.read(), re.MULTILINE):
                    if _is_zero([t.text for t in tokenize(match.group(2))]):
                        names.add(match.group(1))
        return names

    def _reads_stdin(self, name, arguments):
        if name in ("read", "readv", "pread"):
            if not arguments:
                return False
            first = arguments[0]
            if not first:
                return False
            if len(first) == 1 and first[0].text in ("0", "STDIN_FILENO"):
                return True
            if first[-1].text in self.stdin_names:
                return True
            return "stdin" in [token.text for token in first]
        if name in ("getchar", "scanf", "gets"):
            return True
        if name in STDIO_READS:
            return any(token.text == "stdin"
                       for argument in arguments for token in argument)
        return False

    def _classify(self, name, arguments, raw_context=False):
        """Returns (kind, detail) for a call of interest, else None.
        RAW_CONTEXT says that a caller on the way passed SOCK_RAW, for a
        socket() call inside a wrapper that takes the type as a
        parameter."""
        words = [token.text for argument in arguments for token in argument]
        if name == "socket":
            raw = "SOCK_RAW" in words or raw_context
            kind = "socket-raw" if raw else "socket"
            return kind, "socket (%s)" % ", ".join(
                argument_text(a) for a in arguments)
        if self._reads_stdin(name, arguments):
            return "stdin-read", "%s (%s)" % (
                name, argument_text(arguments[0]) if arguments else "")
        for step, calls in DROP_STEPS.items():
            if name in calls:
                # Changing to root is no step of a drop, whatever else it
                # is; check_no_gain() reports it.
                if step in ("uid", "gid") and any(
                        _is_zero([t.text for t in argument],
                                 self.zero_names)
                        for argument in arguments):
                    return "to-root", name
                return "drop:" + step, name
        if name == "prctl" and arguments:
            option = argument_text(arguments[0])
            if option == "PR_SET_NO_NEW_PRIVS":
                return "drop:no-new-privs", "prctl (PR_SET_NO_NEW_PRIVS)"
            if option == "PR_SET_SECCOMP":
                return "drop:seccomp", "prctl (PR_SET_SECCOMP)"
            if "PR_CAP_AMBIENT_CLEAR_ALL" in words:
                return "drop:ambient", "prctl (PR_CAP_AMBIENT_CLEAR_ALL)"
        if name == "syscall" and arguments:
            number = argument_text(arguments[0])
            if number in ("SYS_seccomp", "__NR_seccomp"):
                return "drop:seccomp", "syscall (%s)" % number
        return None

    def trace(self, function, call_path=None, stack=None,
              raw_context=False, inline=True):
        """Lists the events of FUNCTION, inlining helper calls in order.

        Loops are marked with loop-start and loop-end events, so a read of
        standard input inside a loop can be placed at the loop's start."""
        call_path = (call_path or []) + [function.name]
        stack = (stack or set()) | {function.name}
        tokens = function.tokens
        events = []
        loop_ends = []   # token indices where open loops end
        i = function.body_start + 1
        while i < function.body_end:
            while loop_ends and i > loop_ends[-1]:
                loop_ends.pop()
                events.append(Event("loop-end", "", function,
                                    tokens[i].line, call_path))
            token = tokens[i]
            if token.kind == "ident" and token.text in LOOP_KEYWORDS:
                end = self._loop_end(tokens, i)
                if token.text == "while" and self._is_do_while_tail(tokens, i):
                    i += 1
                    continue
                loop_ends.append(end)
                events.append(Event("loop-start", token.text, function,
                                    token.line, call_path))
            elif (token.kind == "ident" and token.text not in KEYWORDS
                  and i + 1 < function.body_end
                  and tokens[i + 1].text == "("
                  and tokens[i - 1].text not in (".", "->")):
                close = matching(tokens, i + 1, "(", ")")
                arguments = split_arguments(tokens, i + 1, close)
                classified = self._classify(token.text, arguments,
                                            raw_context)
                if classified:
                    events.append(Event(classified[0], classified[1],
                                        function, token.line, call_path))
                callee = (self.local_functions[function.path].get(token.text)
                          or self.functions.get(token.text))
                if (inline and callee and callee.name not in stack
                        and callee is not function):
                    passes_raw = raw_context or any(
                        t.text == "SOCK_RAW" for a in arguments for t in a)
                    events.extend(self.trace(callee, call_path, stack,
                                             passes_raw))
                # Calls inside the arguments are looked at in turn.
            i += 1
        while loop_ends:
            loop_ends.pop()
            events.append(Event("loop-end", "", function,
                                tokens[function.body_end].line, call_path))
        return events

    @staticmethod
    def _is_do_while_tail(tokens, index):
        """True for the "while (...);" that closes a do loop."""
        return index > 0 and tokens[index - 1].text == "}" and (
            tokens[matching(tokens, index + 1, "(", ")") + 1].text == ";")

    @staticmethod
    def _loop_end(tokens, index):
        """Returns the index of the last token of the loop at INDEX."""
        i = index + 1
        if tokens[index].text != "do":
            i = matching(tokens, i, "(", ")") + 1
            if tokens[i].text == ";":
                return i
        if tokens[i].text == "{":
            end = matching(tokens, i, "{", "}")
        else:
            end = Helper._statement_end(tokens, i)
        if tokens[index].text == "do":
            end = matching(tokens, end + 2, "(", ")") + 1
        return end

    @staticmethod
    def _statement_end(tokens, i):
        """Returns the index of the last token of the statement at I."""
        if tokens[i].text == "{":
            return matching(tokens, i, "{", "}")
        if tokens[i].text in ("if", "for", "while", "switch"):
            close = matching(tokens, i + 1, "(", ")")
            end = Helper._statement_end(tokens, close + 1)
            if (tokens[i].text == "if" and end + 1 < len(tokens)
                    and tokens[end + 1].text == "else"):
                end = Helper._statement_end(tokens, end + 2)
            return end
        if tokens[i].text == "do":
            body_end = Helper._statement_end(tokens, i + 1)
            return matching(tokens, body_end + 2, "(", ")") + 1
        depth = 0
        while i < len(tokens):
            if tokens[i].text in ("(", "[", "{"):
                depth += 1
            elif tokens[i].text in (")", "]", "}"):
                depth -= 1
            elif tokens[i].text == ";" and depth == 0:
                return i
            i += 1
        return i


def check_order(helper):
    """Part (a): sockets, then the whole drop, then standard input."""
    problems = []
    main = helper.functions.get("main")
    if main is None:
        return ["no main() in %s" % helper.directory], None
    events = helper.trace(main)

    # The first read of standard input, moved back to the start of the
    # outermost loop still open around it: that loop is the main loop.
    read_index = None
    open_loops = []
    for index, event in enumerate(events):
        if event.kind == "loop-start":
            open_loops.append(index)
        elif event.kind == "loop-end":
            open_loops.pop()
        elif event.kind == "stdin-read":
            read_index = open_loops[0] if open_loops else index
            break
    if read_index is None:
        return ["cannot find where main reads its commands from standard "
                "input: no read of fd 0, STDIN_FILENO or stdin is reached "
                "from main"], None
    first_read = events[read_index]
    startup = events[:read_index]

    steps = {}
    for index, event in enumerate(startup):
        if event.kind.startswith("drop:"):
            steps.setdefault(event.kind[5:], index)
    for step in DROP_STEPS:
        if step not in steps:
            problems.append(
                "the privilege drop step '%s' (%s) is not done before the "
                "helper reads standard input at %s" % (
                    step, ", ".join(sorted(DROP_STEPS[step]))
                    or "prctl (PR_SET_NO_NEW_PRIVS)",
                    first_read.where()))

    sockets = [(i, e) for i, e in enumerate(startup)
               if e.kind.startswith("socket")]
    if not any(e.kind == "socket-raw" for _, e in sockets):
        problems.append("no raw socket is opened in the start-up before "
                        "standard input is read")
    if steps:
        first_drop = min(steps.values())
        for index, event in sockets:
            if index > first_drop:
                problems.append(
                    "a socket is opened after the privilege drop began "
                    "(%s): %s" % (startup[first_drop].where(),
                                  event.where()))

    problems += check_unconditional(helper)

    summary = {
        "main": main,
        "read": first_read,
        "sockets": [e for _, e in sockets],
        "steps": sorted((index, step) for step, index in steps.items()),
        "startup": startup,
    }
    return problems, summary


def check_unconditional(helper):
    """The drop must not hang on a condition in main: a call to it in the
    body of an if, a switch or a loop at main's top level would let the
    helper read requests with its privilege on the other path.  (A call in
    an if's condition, "if (!drop ()) return 1;", is made on every path.)"""
    problems = []
    main, statements = _main_statements(helper)
    tokens = main.tokens
    for first, last in statements:
        keyword = tokens[first].text
        if keyword not in ("if", "switch", "for", "while", "do"):
            continue
        if keyword == "if":
            # The body, and any else, follow the condition.
            start = matching(tokens, first + 1, "(", ")") + 1
        else:
            start = first + 1
        part = Function("main", main.path, tokens, start - 1, last + 1)
        for event in helper.trace(part):
            if event.kind.startswith("drop:"):
                problems.append(
                    "main reaches the privilege drop only on some paths: "
                    "%s sits in the %s statement at %s:%d" % (
                        event.where(), keyword,
                        os.path.basename(main.path), tokens[first].line))
                break
    return problems


def check_no_gain(helper):
    """Part (b): nothing anywhere in helper/ raises a privilege."""
    problems = []
    sources = list(helper.tokens.items())
    sources += list(helper.macro_tokens.items())
    for path, tokens in sources:
        name = os.path.basename(path)
        for i, token in enumerate(tokens):
            text = token.text
            where = "%s:%d" % (name, token.line)
            if token.kind != "ident":
                continue
            is_call = i + 1 < len(tokens) and tokens[i + 1].text == "("
            arguments = []
            if is_call:
                close = matching(tokens, i + 1, "(", ")")
                arguments = split_arguments(tokens, i + 1, close)
            words = [t.text for a in arguments for t in a]

            if text in ("PR_CAP_AMBIENT_RAISE", "CAP_AMBIENT_SUPPORTED",
                        "cap_set_file", "cap_set_fd", "cap_set_ambient",
                        "cap_iab_set_proc", "cap_setuid", "cap_setgroups",
                        "cap_set_mode", "cap_launch", "capng_update",
                        "capng_updatev", "capng_fill", "capng_change_id",
                        "capng_set_caps_fd", "capng_lock"):
                problems.append("%s: %s may raise a privilege" % (where, text))
            elif text.startswith("PR_CAP") and text not in \
                    PRCTL_CAPABILITY_ALLOWED:
                problems.append("%s: %s is not a clearing capability call"
                                % (where, text))
            elif ((text.startswith("cap_") or text.startswith("capng_"))
                  and text not in CAPABILITY_ALLOWED):
                problems.append("%s: %s is not one of the reading or "
                                "clearing capability calls" % (where, text))
            elif text == "cap_set_flag" and is_call:
                value = argument_text(arguments[-1]) if arguments else ""
                if value != "CAP_CLEAR":
                    problems.append("%s: cap_set_flag with %s, not "
                                    "CAP_CLEAR" % (where, value or "?"))
            elif text in ("SYS_capset", "__NR_capset"):
                problems.append("%s: a raw capset system call" % where)
            elif text in ("setuid", "seteuid", "setgid", "setegid",
                          "setreuid", "setresuid", "setregid", "setresgid",
                          "setfsuid", "setfsgid") and is_call:
                for argument in arguments:
                    if _is_zero([t.text for t in argument],
                                helper.zero_names):
                        problems.append("%s: %s (%s) names root" % (
                            where, text, ", ".join(argument_text(a)
                                                   for a in arguments)))
                        break
            elif text in ("SYS_setuid", "SYS_setresuid", "SYS_setreuid",
                          "SYS_seteuid", "__NR_setuid", "__NR_setresuid"):
                problems.append("%s: a raw %s system call" % (where, text))
            elif text == "capset" and is_call:
                problems.append("%s: a raw capset call; use libcap's "
                                "cap_set_proc of a cleared set" % where)

    # cap_set_proc may only apply a set that the same function made empty.
    for function in helper.functions.values():
        tokens = function.tokens
        body = range(function.body_start, function.body_end)
        for i in body:
            if tokens[i].text != "cap_set_proc" or tokens[i + 1].text != "(":
                continue
            close = matching(tokens, i + 1, "(", ")")
            arguments = split_arguments(tokens, i + 1, close)
            applied = argument_text(arguments[0]) if arguments else ""
            cleared = False
            for j in range(function.body_start, i):
                text = tokens[j].text
                if text in ("cap_clear", "cap_init") and \
                        tokens[j + 1].text == "(":
                    close_j = matching(tokens, j + 1, "(", ")")
                    args_j = split_arguments(tokens, j + 1, close_j)
                    if text == "cap_clear" and args_j and \
                            argument_text(args_j[0]) == applied:
                        cleared = True
                    # "X = cap_init ()" makes an empty set.
                    if (text == "cap_init" and j >= 2
                            and tokens[j - 1].text == "="
                            and tokens[j - 2].text == applied.split()[-1]):
                        cleared = True
            if not cleared:
                problems.append(
                    "%s:%d: cap_set_proc (%s) applies a set that %s() did "
                    "not make empty with cap_init() or cap_clear()" % (
                        os.path.basename(function.path), tokens[i].line,
                        applied, function.name))
    return problems


def check(directory, verbose=True):
    """Returns the problems found in the helper sources in DIRECTORY."""
    helper = Helper(directory)
    if not glob.glob(os.path.join(directory, "*.c")):
        return ["no C files in %s" % directory]
    problems, summary = check_order(helper)
    problems += check_no_gain(helper)
    if verbose and summary:
        startup = summary["startup"]

        def main_calls(kinds):
            names = []
            for event in startup:
                if (event.kind.split(":")[0] in kinds
                        and len(event.call_path) > 1
                        and event.call_path[1] not in names):
                    names.append(event.call_path[1])
            return ", ".join(names) or "main itself"

        print("start-up of main() in %s: sockets opened by %s; privileges "
              "dropped by %s; commands read by %s" % (
                  os.path.basename(summary["main"].path),
                  main_calls({"socket", "socket-raw"}), main_calls({"drop"}),
                  " -> ".join(summary["read"].call_path)))
        for event in summary["sockets"]:
            print("  socket:      %s" % event.where())
        for index, step in summary["steps"]:
            print("  drop %-13s %s" % (step + ":",
                                       summary["startup"][index].where()))
        print("  first read:  %s" % summary["read"].where())
    return problems


# The self-test: each mutation must make the check fail.

def _main_statements(helper):
    """Returns main's top-level statements as (first, last) token indices."""
    main = helper.functions["main"]
    tokens = main.tokens
    statements = []
    i = main.body_start + 1
    while i < main.body_end:
        end = Helper._statement_end(tokens, i)
        statements.append((i, end))
        i = end + 1
    return main, statements


def _statement_with(helper, kinds):
    """Index in main's statements of the first one whose events match."""
    main, statements = _main_statements(helper)
    for number, (first, last) in enumerate(statements):
        fake = Function("main", main.path, main.tokens, first - 1, last + 1)
        # A statement is traced as if it were a function body of its own.
        events = helper.trace(fake)
        if any(event.kind in kinds or event.kind.split(":")[0] in kinds
               for event in events):
            return number
    return None


def _move_statement(directory, source_kinds, after_kinds):
    """Moves main's statement doing SOURCE_KINDS after the one doing
    AFTER_KINDS; returns a description or None if it cannot."""
    helper = Helper(directory)
    main, statements = _main_statements(helper)
    moved = _statement_with(helper, source_kinds)
    anchor = _statement_with(helper, after_kinds)
    if moved is None or anchor is None or moved == anchor:
        return None
    tokens = main.tokens
    with open(main.path, encoding="utf-8") as source:
        text = source.read()
    start = tokens[statements[moved][0]].offset
    end = tokens[statements[moved][1]].offset + 1
    anchor_end = tokens[statements[anchor][1]].offset + 1
    piece = "\n  " + text[start:end] + "\n"
    if anchor_end > end:
        text = (text[:start] + text[end:anchor_end] + piece
                + text[anchor_end:])
    else:
        text = text[:anchor_end] + piece + text[anchor_end:start] \
            + text[end:]
    with open(main.path, "w", encoding="utf-8") as source:
        source.write(text)
    return "moved main's statement at line %d after the one at line %d" % (
        tokens[statements[moved][0]].line, tokens[statements[anchor][0]].line)


def _insert_in_function(directory, kinds, code):
    """Inserts CODE at the start of the function whose own body has an
    event of KINDS (or, failing that, at the end of main)."""
    helper = Helper(directory)
    target = None
    for function in helper.functions.values():
        own = helper.trace(function, inline=False)
        if any(e.kind in kinds for e in own):
            target = function
            break
    target = target or helper.functions["main"]
    with open(target.path, encoding="utf-8") as source:
        text = source.read()
    offset = target.tokens[target.body_end].offset
    text = text[:offset] + "  " + code + "\n" + text[offset:]
    with open(target.path, "w", encoding="utf-8") as source:
        source.write(text)
    return "added '%s' to %s()" % (code, target.name)


def _make_conditional(directory):
    """Puts main's statement that calls the drop under an if."""
    helper = Helper(directory)
    main, statements = _main_statements(helper)
    number = _statement_with(helper, {"drop"})
    if number is None:
        return None
    tokens = main.tokens
    first = tokens[statements[number][0]]
    with open(main.path, encoding="utf-8") as source:
        text = source.read()
    text = (text[:first.offset] + "if (getuid () == 0)\n    "
            + text[first.offset:])
    with open(main.path, "w", encoding="utf-8") as source:
        source.write(text)
    return "put main's statement at line %d under an if" % first.line


def _delete_drop_step(directory, call):
    """Deletes the statement calling CALL."""
    helper = Helper(directory)
    for function in helper.functions.values():
        tokens = function.tokens
        for i in range(function.body_start, function.body_end):
            if tokens[i].text == call and tokens[i + 1].text == "(":
                # Replace the call's name and arguments with a harmless 0.
                close = matching(tokens, i + 1, "(", ")")
                with open(function.path, encoding="utf-8") as source:
                    text = source.read()
                text = (text[:tokens[i].offset] + "0"
                        + text[tokens[close].offset + 1:])
                with open(function.path, "w", encoding="utf-8") as source:
                    source.write(text)
                return "removed the call of %s() in %s()" % (
                    call, function.name)
    return None


MUTATIONS = [
    ("drop moved after the main loop",
     lambda d: _move_statement(d, {"drop"}, {"stdin-read"})),
    ("drop made conditional in main",
     _make_conditional),
    ("socket opening moved after the drop",
     lambda d: _move_statement(d, {"socket-raw"}, {"drop"})),
    ("cap_set_flag (..., CAP_SET) in the probe loop",
     lambda d: _insert_in_function(
         d, {"stdin-read"},
         "cap_set_flag (caps, CAP_EFFECTIVE, 1, &raw, CAP_SET);")),
    ("PR_CAP_AMBIENT_RAISE in the probe loop",
     lambda d: _insert_in_function(
         d, {"stdin-read"},
         "prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0);")),
    ("cap_set_file anywhere",
     lambda d: _insert_in_function(
         d, {"socket-raw"}, "cap_set_file (\"/tmp/x\", caps);")),
    ("setuid (0) in the probe loop",
     lambda d: _insert_in_function(d, {"stdin-read"}, "setuid (0);")),
    ("seteuid ((uid_t) 0) in the probe loop",
     lambda d: _insert_in_function(d, {"stdin-read"},
                                   "seteuid ((uid_t) 0);")),
    ("cap_set_proc of a set read from the process",
     lambda d: _insert_in_function(
         d, {"stdin-read"},
         "cap_t again = cap_get_proc (); cap_set_proc (again);")),
    ("setresuid left out of the drop",
     lambda d: _delete_drop_step(d, "setresuid")),
    ("setgroups left out of the drop",
     lambda d: _delete_drop_step(d, "setgroups")),
    ("seccomp_load left out of the drop",
     lambda d: _delete_drop_step(d, "seccomp_load")),
    ("a macro in a header that raises a capability",
     lambda d: _write_file(d, "probe-extra.h",
                           "#define PROBE_REGAIN(c, v) \\\n  cap_set_flag "
                           "(c, CAP_EFFECTIVE, 1, v, CAP_SET)\n")),
    ("a new file with seteuid (0)",
     lambda d: _write_file(d, "probe-extra.c",
                           "void\nprobe_extra (void)\n"
                           "{\n  seteuid (0);\n}\n")),
]


def _write_file(directory, name, text):
    with open(os.path.join(directory, name), "w", encoding="utf-8") as out:
        out.write(text)
    return "wrote %s" % name


def self_test(directory):
    failures = []
    baseline = check(directory)
    for problem in baseline:
        print("FAIL: %s" % problem)
    if baseline:
        failures.append("the helper itself fails the check")

    # A mutation is caught when the check finds a problem the unchanged
    # sources do not have, so the proof holds even while the helper itself
    # has a finding.
    for description, mutate in MUTATIONS:
        with tempfile.TemporaryDirectory(prefix="hs-privorder-") as copy:
            for path in glob.glob(os.path.join(directory, "*.[ch]")):
                shutil.copy(path, copy)
            if check(copy, verbose=False) != baseline:
                failures.append("an unchanged copy is judged differently")
                break
            done = mutate(copy)
            if done is None:
                failures.append("mutation '%s' could not be applied"
                                % description)
                continue
            new = [p for p in check(copy, verbose=False)
                   if p not in baseline]
            if new:
                print("ok: %s (%s) is caught: %s" % (description, done,
                                                     new[0]))
            else:
                failures.append("mutation '%s' (%s) is not caught"
                                % (description, done))
    for failure in failures:
        print("FAIL: %s" % failure)
    return not failures


def main(argv):
    if len(argv) == 3 and argv[1] == "--self-test":
        return 0 if self_test(argv[2]) else 1
    if len(argv) == 2:
        problems = check(argv[1])
        for problem in problems:
            print("FAIL: %s" % problem)
        return 1 if problems else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
