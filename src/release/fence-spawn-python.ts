/**
 * The fence's spawning side, part of the sitecustomize (fence-python.ts places it inside its function,
 * where `os`, `record`, `here`, `spec_text` and `patchers` are defined): every process
 * a fenced Python starts keeps the fence. An environment given to subprocess, asyncio's subprocesses,
 * os.execve or os.posix_spawn gets the fence's two variables back, and so does the process's own
 * environment before os.execv, os.spawnv or os.system starts a program with it (the app may have
 * deleted them from os.environ). A Python started with -I, -E or -S (which never loads it), or
 * through `env -i`, `env -u PYTHONPATH` or a shell line that sets PYTHONPATH anew, does not start.
 */
export const FENCE_SPAWN_PYTHON = String.raw`def fenced_env(env):
        # a process started with an environment of its own still loads the fence: its two variables put back
        if env is None:
            env = os.environ
        if any(isinstance(k, bytes) for k in env):
            return env
        out = dict(env)
        out["ALEMBIC_PREFLIGHT_FENCE"] = spec_text
        parts = [p for p in (out.get("PYTHONPATH") or "").split(os.pathsep) if p]
        if here not in parts:
            out["PYTHONPATH"] = os.pathsep.join([here] + parts)
        return out

    def unfenced_python(argv):
        # a Python started with -I, -E or -S never loads the fence: it does not start. Python's own option
        # grammar, as the tool reads a command before it starts it (child-env.ts): -W and -X take a value
        # (attached or the next word), so does --check-hash-based-pycs; -c, -m or the script end them
        words = [os.fsdecode(a) for a in ([argv] if isinstance(argv, (str, bytes)) else list(argv or []))]
        if not words or not os.path.basename(words[0]).startswith("python"):
            return None
        rest = iter(words[1:])
        for w in rest:
            if w == "--check-hash-based-pycs":
                next(rest, None)
                continue
            if not w.startswith("-") or w == "-" or w == "--":
                return None
            if w.startswith("--"):
                continue
            for k, c in enumerate(w[1:], 1):
                if c in "IES":
                    return w
                if c in "cm":
                    return None
                if c in "WX":
                    if k == len(w) - 1:
                        next(rest, None)
                    break
        return None

    def dropped_env(words):
        # env -i / env - / env -u PYTHONPATH, or PYTHONPATH=... set anew, before the program starts
        if words and os.path.basename(words[0]) == "env":
            rest = iter(words[1:])
            for w in rest:
                if w in ("-", "-i", "--ignore-environment") or (w.startswith("-") and not w.startswith("--") and "i" in w[1:] and w[1:].isalpha()):
                    return "env " + w
                if w == "-u":
                    name = next(rest, "")
                    if name in ("PYTHONPATH", "ALEMBIC_PREFLIGHT_FENCE"):
                        return "env -u " + name
                    continue
                if not w.startswith("-"):
                    break
        for w in words:
            name, eq, value = w.partition("=")
            if eq and name in ("PYTHONPATH", "ALEMBIC_PREFLIGHT_FENCE") and ("$" + name) not in value and ("$" + "{" + name) not in value:
                return w
        return None

    def unfenced_shell(cmd):
        # a shell line (shell=True, os.system): each Python in it read as above; a line shlex cannot split
        # is one the shell cannot run either
        import shlex
        try:
            lexer = shlex.shlex(os.fsdecode(cmd), posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            words = list(lexer)
        except ValueError:
            return None
        starts = [0] + [i + 1 for i, w in enumerate(words) if w and set(w) <= set(";&|()")]
        for start in starts:
            part = words[start:]
            why = dropped_env(part)
            if why:
                return why
            while part and "=" in part[0] and not part[0].startswith("-"):
                part = part[1:]
            flag = unfenced_python(part)
            if flag:
                return "python " + flag
        return None

    def unfenced_start(args, shell=False):
        if shell:
            return unfenced_shell(args)
        words = [os.fsdecode(a) for a in ([args] if isinstance(args, (str, bytes)) else list(args or []))]
        why = dropped_env(words)
        if why:
            return why
        flag = unfenced_python(words)
        return "python " + flag if flag else None

    def refuse_start(what):
        record(what, {"dialect": "process"})
        raise ConnectionRefused("alembic-preflight refused to start %s%s%s: the connection fence cannot load in it" % (chr(96), what, chr(96)))

    def restore_environ():
        # os.execv, os.spawnv and os.system start a program with the process's own environment
        for k, v in fenced_env(None).items():
            if os.environ.get(k) != v:
                os.environ[k] = v

    def patch_subprocess(mod):
        cls = mod.Popen
        if getattr(cls.__init__, "_alembic_preflight", False):
            return
        original = cls.__init__

        def __init__(self, args, *rest, **kwargs):
            if len(rest) >= 10:
                rest = list(rest)
                rest[9] = fenced_env(rest[9])
            else:
                kwargs["env"] = fenced_env(kwargs.get("env"))
            why = unfenced_start(args, bool(kwargs.get("shell")))
            if why:
                refuse_start(why)
            original(self, args, *rest, **kwargs)

        __init__._alembic_preflight = True
        cls.__init__ = __init__

    def patch_exec(name, env_at):
        original = getattr(os, name, None)
        if original is None:
            return

        def start(*args, **kwargs):
            args = list(args)
            if "env" in kwargs:
                kwargs["env"] = fenced_env(kwargs["env"])
            elif env_at is None:
                restore_environ()
            elif len(args) > env_at:
                args[env_at] = fenced_env(args[env_at])
            # the argument vector: os.spawn*(mode, file, args, ...), os.exec*(path, args, ...), os.system(line)
            at = 0 if name == "system" else 2 if name.startswith("spawn") else 1
            argv = args[at] if len(args) > at else None
            why = unfenced_start(argv, name == "system")
            if why:
                refuse_start(why)
            return original(*args, **kwargs)

        setattr(os, name, start)

    for name, env_at in (("execve", 2), ("execvpe", 2), ("spawnve", 3), ("spawnvpe", 3), ("posix_spawn", 2), ("posix_spawnp", 2), ("execv", None), ("spawnv", None), ("system", None)):
        patch_exec(name, env_at)
    patchers["subprocess"] = patch_subprocess`;
