# Installed by jupyter-itbridge into <sys.prefix>/etc/ipython/startup/: IPython runs it in every
# new shell. It loads the extension in Jupyter kernels only (not terminal IPython), honours
# JUPYTER_ITBRIDGE_DISABLE=1, and never breaks a kernel start: any failure is one warning line.
def _jupyter_itbridge_autoload() -> None:
    import os
    import sys

    if os.environ.get("JUPYTER_ITBRIDGE_DISABLE", "").strip().lower() in {"1", "true", "yes"}:
        return
    if "ipykernel" not in sys.modules:
        return
    try:
        shell = get_ipython()  # type: ignore[name-defined]  # noqa: F821
        shell.extension_manager.load_extension("jupyter_itbridge")
    except Exception as err:  # never break the user's kernel
        print(f"jupyter-itbridge: not loaded ({type(err).__name__}: {err})", file=sys.stderr)


_jupyter_itbridge_autoload()
del _jupyter_itbridge_autoload
