"""Export the computation graph (PNG, SVG, PDF) and the backward animation (GIF, MP4).

The pictures come from the window's own drawing code, ``gui.picture.drawing.GraphPicture``,
on a private ``matplotlib.figure.Figure`` with an Agg canvas: no pyplot, no Qt, no state
shared between calls, so the window and the command line export exactly what the window
shows. Files are written atomically (a temporary file beside the target, then a
rename): a failed or cancelled export leaves no partial file and any earlier file intact.

>>> import tempfile, pathlib
>>> import engine as torch
>>> from engine.graph import to_networkx
>>> x = torch.arange(4.0, requires_grad=True)
>>> y = 2 * torch.dot(x, x)
>>> graph = to_networkx(y, names={"x": x})
>>> steps = torch.BackwardPass(y).run().steps
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> export_graph(folder / "graph.png", graph, steps, index=len(steps) - 1).name
'graph.png'
>>> export_animation(folder / "backward.gif", graph, steps)
True
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from gui.model.files import atomic_target

__all__ = [
    "ExportError", "export_graph", "export_animation", "export_file", "mp4_available",
    "MP4_UNAVAILABLE", "GRAPH_FORMATS", "ANIMATION_FORMATS", "FORMATS", "check_target",
    "figure_size", "file_filters", "MAX_FRAMES",
]

GRAPH_FORMATS = (".png", ".svg", ".pdf")
ANIMATION_FORMATS = (".gif", ".mp4")
FORMATS = GRAPH_FORMATS + ANIMATION_FORMATS
MIN_DPI, MAX_DPI = 20, 1200
MAX_PIXELS = 40_000_000  # of one picture (width x height at the chosen dpi)
MAX_FRAMES = 2_000
MAX_FPS = 60.0
HOLD_LAST = 4  # the finished graph stays this many frame times at the end
PALETTE_SAMPLE = 16  # frames whose colours make a GIF's palette
MP4_UNAVAILABLE = ("MP4 export needs ffmpeg, which is not installed on this computer "
                   "(install ffmpeg or 'pip install imageio-ffmpeg', or export a .gif instead)")

Progress = Callable[[int, int], "bool | None"]


def file_filters(*, animations: bool = True) -> str:
    """Name filters for a save dialog: the still formats, then (optionally) the animations;
    MP4 only where ffmpeg is installed.

    >>> file_filters(animations=False)
    'PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)'
    """
    filters = ["PNG image (*.png)", "SVG drawing (*.svg)", "PDF document (*.pdf)"]
    if animations:
        filters.append("GIF animation (*.gif)")
        if mp4_available():
            filters.append("MP4 video (*.mp4)")
    return ";;".join(filters)


class ExportError(ValueError):
    """An export that cannot be done: a format, a size, ffmpeg missing, a disk error."""


def mp4_available() -> bool:
    """Whether ffmpeg (which MP4 export drives through matplotlib) can be found: the
    system's, or else the one the imageio-ffmpeg package ships, if it is installed."""
    from matplotlib import animation, rcParams

    if animation.writers.is_available("ffmpeg"):
        return True
    try:
        import imageio_ffmpeg

        rcParams["animation.ffmpeg_path"] = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):  # not installed, or no binary for this platform
        return False
    return animation.writers.is_available("ffmpeg")


def check_target(path, *, dpi: float = 150.0) -> str:
    """Raise ExportError unless ``path`` can be exported to; return its format (``"png"``).

    Checks the suffix, the folder, the dpi and, for ``.mp4``, that ffmpeg exists.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        shown = suffix or "no extension"
        raise ExportError(f"cannot export to {shown}: use one of {', '.join(FORMATS)}")
    if suffix == ".mp4" and not mp4_available():
        raise ExportError(MP4_UNAVAILABLE)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"folder {str(folder)!r} does not exist")
    if path.is_dir():
        raise ExportError(f"{str(path)!r} is a folder")
    if not (isinstance(dpi, (int, float)) and MIN_DPI <= dpi <= MAX_DPI):
        raise ExportError(f"dpi must be between {MIN_DPI} and {MAX_DPI}, not {dpi}")
    return suffix[1:]


def figure_size(graph) -> tuple[float, float]:
    """Inches for a graph: 16:9 for small graphs, growing with the number of layers and
    with the widest layer (so that labels keep their size and stay readable)."""
    layers: dict[int, int] = {}
    for _, data in graph.nodes(data=True):
        layer = data.get("layer", 0)
        layers[layer] = layers.get(layer, 0) + 1
    columns = max(len(layers), 1)
    rows = max(layers.values(), default=1)
    width = min(max(10.0, 1.4 * columns), 24.0)
    height = min(max(5.625, 0.9 * rows), 13.5)
    return width, height


class _Picture:
    """A GraphPicture on its own Figure and Agg canvas (nothing shared between exports)."""

    def __init__(self, graph, steps: Sequence, *, theme: str, size, dpi: float,
                 options: dict | None = None):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from gui.picture.drawing import GraphPicture

        width, height = size or figure_size(graph)
        if width * height * dpi * dpi > MAX_PIXELS:
            raise ExportError(f"the picture would be {int(width * dpi)} x {int(height * dpi)} "
                              f"pixels; lower the dpi (the limit is {MAX_PIXELS:,} pixels)")
        self.figure = Figure(figsize=(width, height), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        ax = self.figure.add_subplot()
        recorded = steps if hasattr(steps, "state_at") else list(steps)  # a pass, or steps
        self.picture = GraphPicture(ax, graph, recorded, theme=theme, **(options or {}))

    step_frames = 1

    def show(self, index: int) -> None:
        self.picture.show(index)

    def show_frame(self, number: int) -> None:
        """Frame ``number`` of the animation: 0 before the pass, then ``step_frames`` per
        step, the last of each at rest."""
        if number == 0:
            self.picture.show(-1)
            return
        step, part = divmod(number - 1, self.step_frames)
        self.picture.show(step, (part + 1) / self.step_frames)

    def rgb(self) -> np.ndarray:
        self.canvas.draw()
        return np.asarray(self.canvas.buffer_rgba())[..., :3].copy()

    def close(self) -> None:
        self.figure.clear()


def export_graph(path, graph, steps: Sequence = (), index: int = -1, *, dpi: float = 150.0,
                 theme: str = "light", size: tuple[float, float] | None = None,
                 **picture_options) -> Path:
    """Write the graph as ``.png``, ``.svg`` or ``.pdf``, showing it after ``steps[0..index]``
    (-1: before the backward pass; ``steps`` is a list of ``engine.Step``s or the recorded
    ``engine.BackwardPass`` itself). ``dpi`` sets a PNG's resolution; ``size`` is in inches
    (default: ``figure_size(graph)``). ``picture_options`` go to ``GraphPicture`` (for a
    later pass: ``freed_before``, ``grads_before``; for a pass that raised: ``failed``,
    ``error``). Returns the path written.
    """
    path = Path(path)
    kind = check_target(path, dpi=dpi)
    if kind not in ("png", "svg", "pdf"):
        raise ExportError(f"{path.name}: a still picture is .png, .svg or .pdf; "
                          f".{kind} is an animation (use export_animation)")
    index = _check_index(index, steps)
    picture = _Picture(graph, steps, theme=theme, size=size, dpi=dpi, options=picture_options)
    try:
        picture.show(index)
        with _atomic(path) as temporary:
            picture.figure.savefig(temporary, format=kind, dpi=dpi,
                                   facecolor=picture.figure.get_facecolor())
    finally:
        picture.close()
    return path


def export_animation(path, graph, steps: Sequence, *, fps: float = 2.0, dpi: float = 100.0,
                     theme: str = "light", size: tuple[float, float] | None = None,
                     progress: Progress | None = None, step_frames: int = 1,
                     **picture_options) -> bool:
    """Write the backward pass as ``.gif`` or ``.mp4``: one frame before the pass, then
    ``step_frames`` per step (the motion of ``GraphPicture.show(i, travel)``: its gradients
    travelling along their arcs; 1: the step at rest), the last held a little longer.

    ``progress(done, total)`` is called after each frame and once the file is written;
    returning False cancels: nothing is written and the result is False (True when the
    file was written). MP4 needs ffmpeg (``mp4_available()``). ``picture_options`` are
    those of ``export_graph``.
    """
    path = Path(path)
    kind = check_target(path, dpi=dpi)
    if kind not in ("gif", "mp4"):
        raise ExportError(f"{path.name}: an animation is .gif or .mp4; .{kind} is a still "
                          "picture (use export_graph)")
    if not (isinstance(fps, (int, float)) and 0 < fps <= MAX_FPS):
        raise ExportError(f"fps must be above 0 and at most {MAX_FPS:g}, not {fps}")
    if type(step_frames) is not int or not 1 <= step_frames <= 60:
        raise ExportError(f"step frames must be a whole number from 1 to 60, not {step_frames}")
    count = _count(steps)
    frames = count * step_frames + 1
    if frames > MAX_FRAMES:
        raise ExportError(f"the pass has {count:,} steps; an animation holds at most "
                          f"{MAX_FRAMES - 1:,}")
    picture = _Picture(graph, steps, theme=theme, size=size, dpi=dpi, options=picture_options)
    try:
        picture.step_frames = step_frames
        writer = _write_gif if kind == "gif" else _write_mp4
        return writer(path, picture, frames, fps, progress or (lambda done, total: True))
    finally:
        picture.close()


def export_file(path, graph, steps: Sequence = (), index: int = -1, **options) -> bool:
    """Export by the file's suffix: a picture (``index`` as in ``export_graph``) or the
    animation. ``options`` are those of the function chosen (``progress`` only for
    animations). Returns False only for a cancelled animation.
    """
    if Path(path).suffix.lower() in ANIMATION_FORMATS:
        return export_animation(path, graph, steps, **options)
    options.pop("progress", None)
    options.pop("fps", None)
    export_graph(path, graph, steps, index, **options)
    return True


def _count(steps) -> int:
    """How many steps: of a list of steps, or of an ``engine.BackwardPass`` (its steps)."""
    return len(steps.steps) if hasattr(steps, "state_at") else len(steps)


def _check_index(index, steps) -> int:
    if type(index) is not int or not -1 <= index < _count(steps):
        raise ExportError(f"step {index} does not exist: the pass has {_count(steps)} steps "
                          f"(-1 is before the first)")
    return index


def _frame_durations(frames: int, fps: float) -> list[int]:
    base = max(int(round(1000 / fps)), 20)
    durations = [base] * frames
    durations[-1] = base * HOLD_LAST
    return durations


def _write_gif(path: Path, picture: _Picture, frames: int, fps: float, progress) -> bool:
    from PIL import Image

    images = []
    total = frames + 1  # the frames, then writing the file
    for number in range(frames):
        picture.show_frame(number)
        image = Image.fromarray(picture.rgb())
        images.append(image.quantize(colors=256, method=Image.Quantize.FASTOCTREE))
        if progress(number + 1, total) is False:
            return False
    images = _one_palette(images)
    with _atomic(path) as temporary:
        images[0].save(temporary, format="GIF", save_all=True, append_images=images[1:],
                       duration=_frame_durations(frames, fps), loop=0)
    progress(total, total)
    return True


def _one_palette(images: list) -> list:
    """The frames mapped onto one palette made from a sample of them: colours stay the same
    from frame to frame, and the GIF stores only what changed (files several times smaller).
    """
    from PIL import Image

    sample = images[::max(len(images) // PALETTE_SAMPLE, 1)][:PALETTE_SAMPLE]
    width, height = sample[0].size
    small = [image.convert("RGB").resize((max(width // 2, 1), max(height // 2, 1)),
                                         Image.Resampling.NEAREST) for image in sample]
    mosaic = Image.new("RGB", (small[0].width, small[0].height * len(small)))
    for row, image in enumerate(small):
        mosaic.paste(image, (0, row * small[0].height))
    palette = mosaic.quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    return [image.convert("RGB").quantize(palette=palette, dither=Image.Dither.NONE)
            for image in images]


def _write_mp4(path: Path, picture: _Picture, frames: int, fps: float, progress) -> bool:
    from matplotlib import animation

    writer = animation.FFMpegWriter(fps=fps, codec="h264", extra_args=["-pix_fmt", "yuv420p"])
    hold = HOLD_LAST - 1  # MP4 has one frame rate: the last frame is repeated instead
    total = frames + 1
    cancelled = False
    with _atomic(path) as temporary:
        try:
            writer.setup(picture.figure, str(temporary), dpi=picture.figure.dpi)
            try:
                for number in range(frames):
                    picture.show_frame(number)
                    for _ in range(1 + (hold if number == frames - 1 else 0)):
                        writer.grab_frame()
                    if progress(number + 1, total) is False:
                        cancelled = True
                        break
            finally:
                writer.finish()
        except subprocess.CalledProcessError as error:
            raise ExportError(f"ffmpeg failed (exit status {error.returncode})") from None
        if cancelled:
            raise _Cancelled
    if cancelled:
        return False
    progress(total, total)
    return True


class _Cancelled(Exception):  # noqa: N818 - not an error: unwinds the atomic write
    pass


@contextlib.contextmanager
def _atomic(path: Path):
    """Yield a temporary path beside ``path`` (``gui.model.files.atomic_target``: a link is
    written through, the umask's mode, stale temporaries cleaned); it replaces ``path`` on
    success and is deleted on any failure or cancellation, which ends the export quietly.
    """
    try:
        with atomic_target(path, keep_suffix=True) as temporary:
            yield temporary
    except _Cancelled:
        return
    except OSError as error:
        raise ExportError(f"cannot write {str(path)!r}: {error.strerror or error}") from None
