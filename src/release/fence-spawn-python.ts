/**
 * The fence's spawning side, part of the sitecustomize (fence-python.ts places it inside its function,
 * where `os`, `record`, `here`, `spec_text` and `patchers` are defined): every process
 * a fenced Python starts keeps the fence. An environment given to subprocess, asyncio's subprocesses,
 * os.execve or os.posix_spawn gets the fence's two variables back, and a Python started with -I, -E
 * or -S (which never loads it) does not start.
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

    def refuse_start(flag):
        record("python " + flag, {"dialect": "process"})
        raise ConnectionRefused("alembic-preflight refused to start a Python with %s: the connection fence cannot load in it" % flag)

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
            flag = None if kwargs.get("shell") else unfenced_python(args)
            if flag:
                refuse_start(flag)
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
            elif len(args) > env_at:
                args[env_at] = fenced_env(args[env_at])
            flag = unfenced_python(args[1] if len(args) > 1 else None)
            if flag:
                refuse_start(flag)
            return original(*args, **kwargs)

        setattr(os, name, start)

    for name, env_at in (("execve", 2), ("execvpe", 2), ("spawnve", 3), ("spawnvpe", 3), ("posix_spawn", 2), ("posix_spawnp", 2)):
        patch_exec(name, env_at)
    patchers["subprocess"] = patch_subprocess`;
