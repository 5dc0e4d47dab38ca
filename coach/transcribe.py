"""The faster-whisper adapter: speech chunks in, words on the recording clock out.

The model only ever hears speech: a chunk's VAD regions (plus a little
padding) are cut out and joined, long silences between them dropped, and
every word Whisper returns is mapped back through the region offsets, because
Whisper's own times drift around long silences while the VAD's clock is
sample-exact. faster-whisper's objects stay inside this module; callers get
:class:`~coach.records.Word` records.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import logging
import math
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from coach.errors import ConfigError, DeviceError, ModelError
from coach.models import DEFAULT_MODEL, ResolvedModel, resolve_model
from coach.noise import suppress_noise
from coach.records import SAMPLE_RATE, ModelInfo, SpeechRegion, Word

log = logging.getLogger(__name__)

PROMPT = ("Redis, Elasticsearch, DynamoDB, Kubernetes. "
          "So, uh, I think, um, we need, hmm, uh, a cache in front of Postgres. Um, how many users? Uh, Kafka, yeah.")
"""Whisper writes what its context looks like.

* Product names: tiny.en cannot spell the ones a design interview names most
  unless its context holds them. Unprompted it wrote Redis as "release" (1 of
  64 right in our mock interviews), Elasticsearch as "last touch" (0 of 9),
  Kubernetes as "cube and it's". Named up front, they come out right: of the
  277 product names said in 38 mocks, 218 were written right against 158,
  with 15 written where none was said against 3 (10 of them Redis), and the
  pooled WER of our 35 fell from 0.238 to 0.233. Names it spells unaided
  (Kafka, Postgres, Cassandra, S3) stay out: each name listed is also a word
  it may write for a sound that resembles it (a longer list, with MongoDB and
  Memcached, turned "a booking service" into "a MongoDB service" and wrote
  Memcached 9 times where it was never said). Unjustified choices found from
  audio rose from 0.53 to 0.57 of those tagged; the flags overall held (recall
  0.742 and 0.741, precision 0.811 and 0.808).
* Disfluencies: a prompt full of them makes it keep the "um"s and "uh"s it is
  trained to clean away. With "uh", "um" and "hmm" each present it beat the
  all-"umm" prompt from the whisperX discussions on filler recall (17 vs 12 of
  18 on the MFA clips) at the same WER.
* The talk of a design interview: a component, two products and a question
  make tiny.en spell the products and keep the question marks that a
  clarifying question is recognised by. Against the same prompt without them
  ("...we need, hmm, uh, a cache. Um, uh, yeah.") the pooled WER of our 17
  mock interviews fell from 0.252 to 0.243 and the flags found rose from
  0.735 to 0.751 of those tagged; the MFA fillers stayed at 17 of 18 (with 5
  fewer false ones) and the read technical talk of the Azure clip at 4.1%
  WER. See bench/eval_transcribe.py and bench/eval_analysis.py.

The prompt has a price: now and then the prompted decoder jumps over a stretch
of speech and writes nothing for it (whisperX #693 reports the same of other
prompts). On our ten mock interviews 54 s of speech in 10 VAD regions came
back without words, against none without the prompt; see :data:`UNWRITTEN_MIN_S`."""

UNWRITTEN_MIN_S = 1.0
"""A speech region at least this long..."""
UNWRITTEN_COVERAGE = 0.2
"""...whose words cover less than this share of it was skipped by the prompted decoder: the chunk is
decoded again without the prompt, and that decode's words stand in those regions. Speech is rarely
left unwritten, so the second decode is rare too; a draft (live words) is never decoded twice."""

PHANTOM_PHRASES = frozenset(
    {
        "thank you",
        "thank you very much",
        "thank you so much",
        "thanks",
        "thanks for watching",
        "thank you for watching",
        "thanks for watching and see you next time",
        "please subscribe",
        "subscribe to my channel",
        "like and subscribe",
        "bye",
        "you",
        "so",
        "okay",
        "oh",
        "i",
        "the end",
        "subtitles by the amaraorg community",
    }
)
"""Whisper's stock outputs for silence and noise (learnt from video subtitles);
kept only when the audio under them is clearly speech."""

DEVICES = ("auto", "cpu", "cuda")
COMPUTE_TYPES = (
    "auto",
    "default",
    "int8",
    "int8_float32",
    "int8_float16",
    "int8_bfloat16",
    "int16",
    "float16",
    "bfloat16",
    "float32",
)

SILENT_PEAK = 1e-3
"""Input whose peak stays below -60 dBFS holds no speech; skip the model (it
would only hallucinate)."""

WINDOW_SECONDS = 30.0
WINDOW_SAMPLES = int(WINDOW_SECONDS * SAMPLE_RATE)
"""Whisper encodes audio in 30 s windows, whatever is in them."""

RETRY_NO_REPEAT_NGRAM = 3
"""A window whose decode fails Whisper's checks (a repetition loop, or an average log-probability
under -1 on speech) is decoded once more with no run of this many tokens allowed twice, and the
retry stands unless it fails too (then the likelier of the two, as Whisper chooses).

Whisper's own remedy samples at raised temperatures, and that made one recording read differently
from run to run: CTranslate2 seeds one random generator per worker thread, so what a retry draws
depends on which chunks that thread decoded before (``set_random_seed`` cannot reset it). A
report's score moved by 3 points between two runs of the same file. The retry here is
deterministic and at least as good: on the 58 windows of our 48 mock interviews that failed at
temperature 0, the words' WER was 0.367 with no retry, 0.348 and 0.342 in two runs of the
sampling ladder (0.2 to 1.0), 0.359 decoding again without the prompt, and 0.340 with this retry.
One beam decode costs less than the ladder's rounds of five samples: the 44.6-minute benchmark
interview took 113 and 114 s against 124 s on two cores, at the same peak memory (630 MB)."""

SHORT_WINDOW_FRAMES = 1500
"""Mel frames (15 s) the encoder is given when the speech leaves most of a 30 s window empty.

Whisper pads every input to 30 s and the encoder's cost grows faster than its
input, so tiny.en spends 0.25 s of one core on a 30 s window and 0.05 s on a
15 s one. On the live chunks of our three mock interviews the words were as
good or better (WER 0.199/0.195/0.375 with 30 s, 0.198/0.183/0.339 with 15 s);
10 s windows were worse again."""

FRAMES_PER_SECOND = 100
WINDOW_FRAMES = int(WINDOW_SECONDS * FRAMES_PER_SECOND)
"""Whisper's log-mel frames: 10 ms each, 3000 to a window."""

SHORT_WINDOW_MARGIN_FRAMES = 200
"""Empty frames (2 s) kept after the speech in a short window: the decoder
reads the end of an utterance from the silence after it."""

UNSURE_PROBABILITY = 0.5
"""Mean word probability below which a segment Whisper thinks is not speech is dropped."""

TOKENS_PER_SECOND = 10.0
TOKEN_BUDGET_BASE = 8
"""See :func:`token_budget`: 10 tokens a second is twice the rate of a fast talker."""

MERGE_GAP_S = 0.5
"""Gaps between padded regions shorter than this are kept as they are: a
natural pause helps Whisper punctuate, and cutting it gains nothing."""


@dataclass(frozen=True, slots=True, eq=False)
class SpeechChunk:
    """Audio for one model call, with the VAD's speech regions inside it.

    ``audio`` is float32 16 kHz mono, contiguous from ``start`` (seconds on
    the recording clock of ``audio[0]``), and covers all regions plus a
    little context either side. ``regions`` are on the recording clock,
    ordered; their total speech should stay within 30 s.
    """

    start: float
    audio: np.ndarray  # shape=(n,), float32, 16 kHz mono
    regions: tuple[SpeechRegion, ...]
    in_progress: bool = False
    """A piece of an utterance still going on (live mode): its end is not where the speaker stopped."""

    @property
    def end(self) -> float:
        return self.start + len(self.audio) / SAMPLE_RATE

    def samples_of(self, region: SpeechRegion) -> tuple[int, int]:
        """The first and end sample of ``region`` in :attr:`audio`, clipped to it (equal: none inside)."""
        first = max(0, round((region.start - self.start) * SAMPLE_RATE))
        last = min(len(self.audio), round((region.end - self.start) * SAMPLE_RATE))
        return first, max(first, last)


def piece_bounds(n_samples: int, max_piece_s: float) -> list[int]:
    """Sample bounds that cut ``n_samples`` into the fewest equal pieces of at most ``max_piece_s`` each."""
    n_pieces = max(1, math.ceil(n_samples / SAMPLE_RATE / max_piece_s - 1e-9))
    return [round(n_samples * i / n_pieces) for i in range(n_pieces + 1)]


@dataclass(frozen=True, slots=True)
class TranscriberOptions:
    """How to load and run the speech model; recorded in :attr:`Transcriber.info`.

    ``cpu_threads`` 0 means one per core. On the CPU they run as that many
    decoders of one thread each rather than one decoder of many threads:
    tiny's matrices are too small to share well, and two single-thread
    decoders got through the same chunks 1.5x faster than one with two
    threads on a 2-core machine. ``beam_size`` 5: on the 44.6-minute
    benchmark interview it took 8% longer than beam 3 and cut the word error
    rate from 0.153 to 0.145, and on eight mocks in accented and noisy voices
    from 0.368 to 0.354 (bench/speed.py). Narrower beams lose more: beam 2 was
    2.4 points behind beam 3, and greedy decoding ~4 points behind beam 2.
    ``retry_no_repeat_ngram``: see :data:`RETRY_NO_REPEAT_NGRAM` (0: keep a
    failed window's first decode). ``keep_fillers`` prompts the model to write
    "um"/"uh" instead of dropping them; ``suppress_noise`` takes steady background noise out of
    what the model hears (:mod:`coach.noise`). ``padding_s`` is the audio kept
    either side of each speech region.
    """

    model: str = DEFAULT_MODEL
    allow_download: bool = False
    device: str = "auto"
    compute_type: str = "auto"
    cpu_threads: int = 0
    beam_size: int = 5
    keep_fillers: bool = True
    suppress_noise: bool = True
    language: str = "en"
    padding_s: float = 0.15
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    retry_no_repeat_ngram: int = RETRY_NO_REPEAT_NGRAM

    def __post_init__(self) -> None:
        if self.device not in DEVICES:
            raise DeviceError(f"unknown device '{self.device}': use one of {', '.join(DEVICES)}")
        if self.compute_type not in COMPUTE_TYPES:
            raise ConfigError(f"unknown compute type '{self.compute_type}': use one of {', '.join(COMPUTE_TYPES)}")
        if self.cpu_threads < 0:
            raise ConfigError(f"cpu_threads must be 0 (one per core) or more, not {self.cpu_threads}")
        if self.beam_size < 1:
            raise ConfigError(f"beam_size must be 1 or more, not {self.beam_size}")
        if not 0 <= self.padding_s <= 1:
            raise ConfigError(f"padding_s must be between 0 and 1 s, not {self.padding_s}")
        if self.retry_no_repeat_ngram < 0:
            raise ConfigError(f"retry_no_repeat_ngram must be 0 (no retry) or more, not {self.retry_no_repeat_ngram}")


@dataclass(frozen=True, slots=True)
class _Piece:
    """A stretch of the model input copied from the recording."""

    input_start: int  # sample index in the model input
    source_start: int  # sample index in the recording
    length: int


class Transcriber:
    """Owns one faster-whisper model and turns speech chunks into words.

    :meth:`transcribe` may be called from :attr:`workers` threads at once.
    """

    def __init__(self, options: TranscriberOptions | None = None) -> None:
        self.options = options or TranscriberOptions()
        self.prompt = PROMPT if self.options.keep_fillers else None
        self.resolved: ResolvedModel = resolve_model(self.options.model, allow_download=self.options.allow_download)
        device, compute_type, threads = _resolve_device(self.options)
        # A GPU gets one decoder; the CPU one single-thread decoder per thread (see TranscriberOptions).
        self.workers = threads if device == "cpu" else 1
        self._model = _load_model(self.resolved, device, compute_type, threads // self.workers, self.workers)
        self._window = _decode_windows_thriftily(self._model, self.options.retry_no_repeat_ngram)
        used = dataclasses.asdict(self.options) | {
            "device": device,
            "compute_type": compute_type,
            "cpu_threads": threads,
            "workers": self.workers,
            "initial_prompt": self.prompt,
            "model_verified": self.resolved.verified,
        }
        self.info = ModelInfo(
            name=self.resolved.name,
            device=device,
            compute_type=compute_type,
            path=self.resolved.location,
            options=used,
        )

    def transcribe(self, chunk: SpeechChunk, *, draft: bool = False) -> list[Word]:
        """Words spoken in the chunk's regions, on the recording clock, ordered by start.

        ``draft``: decode the quickest way (greedy, no retry of a failed window), for words
        someone is waiting to see; a retry alone can take a second on a short utterance.
        """
        if self.options.suppress_noise:
            chunk = dataclasses.replace(chunk, audio=suppress_noise(chunk.audio))
        pieces, model_input = _model_input(chunk, self.options.padding_s)
        if not pieces or float(np.max(np.abs(model_input))) < SILENT_PEAK:
            return []
        words = self._words(chunk, pieces, model_input, draft, self.prompt)
        # A draft is shown at once and redone with the session's chunks: no second decode for it.
        skipped = _unwritten(chunk.regions, words) if self.prompt and not draft else []
        if skipped:
            log.debug("the prompted decode left %d region(s) without words; decoding again without the prompt",
                      len(skipped))
            again = self._words(chunk, pieces, model_input, draft, None)
            words = [w for w in words if not _centred_in(w, skipped)] + [w for w in again if _centred_in(w, skipped)]
            words.sort(key=lambda w: w.start)
        return words

    def _words(self, chunk: SpeechChunk, pieces: list[_Piece], model_input: np.ndarray, draft: bool,
               prompt: str | None) -> list[Word]:
        words: list[Word] = []
        for segment in self._decode(model_input, draft, prompt):
            if not self._keep_segment(segment):
                continue
            for w in _drop_loops(_drop_invented(_join_continuations(segment.words or ()))):
                word = _map_word(w, pieces)
                if word is not None and _inside_regions(word, chunk.regions, self.options.padding_s):
                    words.append(word)
        words.sort(key=lambda w: w.start)
        return words

    def _decode(self, model_input: np.ndarray, draft: bool, prompt: str | None) -> list:
        opts = self.options
        self._window.retry = not draft
        segments, _ = self._model.transcribe(
            model_input,
            language=opts.language,
            beam_size=1 if draft else opts.beam_size,
            # faster-whisper's own retries sample at raised temperatures; ours do not (RETRY_NO_REPEAT_NGRAM)
            temperature=0.0,
            compression_ratio_threshold=opts.compression_ratio_threshold,
            log_prob_threshold=opts.log_prob_threshold,
            no_speech_threshold=opts.no_speech_threshold,
            # Conditioning on earlier text lets one hallucination seed the next.
            condition_on_previous_text=False,
            initial_prompt=prompt,
            word_timestamps=True,
            vad_filter=False,
        )
        # The library's generator decodes lazily; consume it here, in the caller's thread.
        return list(segments)

    def _keep_segment(self, segment) -> bool:
        opts = self.options
        if not any(c.isalnum() for c in segment.text):
            # ". . . ." on the scrap of audio after the last word, cut short by the token budget
            return False
        if segment.compression_ratio > opts.compression_ratio_threshold:
            # The retry failed too: a repetition loop, not speech.
            return False
        if segment.no_speech_prob > opts.no_speech_threshold and (
            segment.avg_logprob < opts.log_prob_threshold or _mean_probability(segment) < UNSURE_PROBABILITY
        ):
            # The prompt makes Whisper echo it ("So, uh,") on noise
            # with a passable avg_logprob; its word probabilities stay tiny.
            return False
        if _normalise(segment.text) in PHANTOM_PHRASES and not _clearly_speech(segment):
            log.debug("dropped a likely hallucination %r", segment.text)
            return False
        return True


def _resolve_device(options: TranscriberOptions) -> tuple[str, str, int]:
    """(device, compute type, CPU threads) to load the model with."""
    import ctranslate2

    try:
        has_cuda = ctranslate2.get_cuda_device_count() > 0
    except RuntimeError:
        has_cuda = False
    device = options.device
    if device == "auto":
        device = "cuda" if has_cuda else "cpu"
    elif device == "cuda" and not has_cuda:
        raise DeviceError("device 'cuda' requested but CTranslate2 finds no CUDA GPU; use --device cpu or auto")
    supported = set(ctranslate2.get_supported_compute_types(device))
    compute_type = options.compute_type
    if compute_type == "auto":
        preferred = "float16" if device == "cuda" else "int8"
        compute_type = preferred if preferred in supported else "default"
    elif compute_type != "default" and compute_type not in supported:
        raise ConfigError(
            f"compute type '{compute_type}' is not supported on {device} (supported: {', '.join(sorted(supported))})"
        )
    threads = options.cpu_threads or os.cpu_count() or 1
    return device, compute_type, threads


def _load_model(resolved: ResolvedModel, device: str, compute_type: str, threads: int, workers: int):
    try:
        from faster_whisper import WhisperModel
    except ImportError:
        raise ModelError("transcription needs faster-whisper; install it with: pip install faster-whisper") from None
    try:
        model = WhisperModel(
            resolved.location,
            device=device,
            compute_type=compute_type,
            cpu_threads=threads,
            num_workers=workers,
            local_files_only=resolved.source != "hub",
        )
    except Exception as exc:  # CTranslate2 and huggingface_hub raise many unrelated types
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"cannot load model '{resolved.name}' from {resolved.location}: {reason}") from None
    return model


def _decode_windows_thriftily(model, retry_no_repeat_ngram: int) -> threading.local:
    """Make ``model`` spend on each 30 s window only what the audio in it needs, and retry a failed one.

    faster-whisper pads every window to 30 s before ``encode()`` and lets the
    decoder run to the model's 448-token limit, whatever the window holds (no
    option changes either per window). Wrapping the two methods on this
    instance is the one place to change that: ``encode`` measures the
    window's content and cuts mostly-empty padding (:data:`SHORT_WINDOW_FRAMES`);
    ``generate_with_fallback``, called next in the same thread, caps the new
    tokens at what that much speech could hold (:func:`token_budget`) and
    decodes a window that fails Whisper's checks once more
    (:data:`RETRY_NO_REPEAT_NGRAM`) when the returned per-thread state's
    ``retry`` is true.
    """
    window = threading.local()
    encode, generate = model.encode, model.generate_with_fallback

    def encode_window(features: np.ndarray):
        if features.ndim == 2 and features.shape[-1] > SHORT_WINDOW_FRAMES:
            # faster-whisper pads with exact zeros, which a log-mel frame of audio never is in all bins
            used = np.flatnonzero(np.any(features != 0, axis=0))
            content = int(used[-1]) + 1 if len(used) else 0
            window.content_frames = content
            if content + SHORT_WINDOW_MARGIN_FRAMES <= SHORT_WINDOW_FRAMES:
                features = features[:, :SHORT_WINDOW_FRAMES]
        else:
            window.content_frames = features.shape[-1]
        return encode(features)

    def generate_within_budget(encoder_output, prompt, tokenizer, options):
        content_s = getattr(window, "content_frames", WINDOW_FRAMES) / FRAMES_PER_SECOND
        budget = min(token_budget(content_s), model.max_length - len(prompt))
        if options.max_new_tokens is None or options.max_new_tokens > budget:
            options = dataclasses.replace(options, max_new_tokens=budget)
        first = generate(encoder_output, prompt, tokenizer, options)
        if not (retry_no_repeat_ngram and getattr(window, "retry", False) and _failed(first, options)):
            return first
        again = generate(encoder_output, prompt, tokenizer,
                         dataclasses.replace(options, no_repeat_ngram_size=retry_no_repeat_ngram))
        return _kept(first, again, options)

    model.encode = encode_window
    model.generate_with_fallback = generate_within_budget
    return window


def _failed(decoded: tuple, options) -> bool:
    """Whether faster-whisper's decode result ``(result, avg_logprob, temperature, compression_ratio)``
    fails Whisper's checks: a repetition loop, or words the model itself doubts, unless the window
    is silence."""
    result, avg_logprob, _, compression_ratio = decoded
    if compression_ratio > options.compression_ratio_threshold:
        return True
    silent = result.no_speech_prob > options.no_speech_threshold
    return avg_logprob < options.log_prob_threshold and not silent


def _kept(first: tuple, again: tuple, options) -> tuple:
    """Of a failed decode and its retry, the one that stands: the retry, unless it fails too."""
    return again if not _failed(again, options) else _likelier(first, again, options)


def _likelier(first: tuple, again: tuple, options) -> tuple:
    """Of two failed decodes, Whisper's choice: the likelier one that is not a repetition loop."""
    unlooped = [d for d in (first, again) if d[3] <= options.compression_ratio_threshold]
    return max(unlooped or (first, again), key=lambda d: d[1])


def token_budget(content_s: float) -> int:
    """The most tokens Whisper may write for ``content_s`` seconds of audio.

    Generous for real speech (a fast talker's 4-5 tokens a second, with
    punctuation and timestamps) and a hard stop for a repetition loop. Such a
    loop is what Whisper writes on the scrap of audio left after the last
    word of a chunk (". . . ." to the limit): uncapped it cost 0.7 s of a
    short utterance's 1.3 s, and on the file lane a retry of the window costs
    it again.
    """
    return TOKEN_BUDGET_BASE + math.ceil(TOKENS_PER_SECOND * content_s)


def _model_input(chunk: SpeechChunk, padding_s: float) -> tuple[list[_Piece], np.ndarray]:
    """Join each region's samples (padded) into one array, remembering where each came from.

    The input is kept within one 30 s Whisper window when the speech fits:
    a few seconds over would cost a second full encoder pass for the tail.
    """
    spans = _spans(chunk, int(round(padding_s * SAMPLE_RATE)), int(round(MERGE_GAP_S * SAMPLE_RATE)))
    if sum(e - s for s, e in spans) > WINDOW_SAMPLES:
        speech = sum(min(r.end, chunk.end) - max(r.start, chunk.start) for r in chunk.regions)
        room = max(0.0, WINDOW_SECONDS - speech) / (2 * max(1, len(chunk.regions)))
        spans = _spans(chunk, int(min(padding_s, room) * SAMPLE_RATE), 0)
    origin = int(round(chunk.start * SAMPLE_RATE))
    pieces: list[_Piece] = []
    at = 0
    for s, e in spans:
        pieces.append(_Piece(input_start=at, source_start=origin + s, length=e - s))
        at += e - s
    if not pieces:
        return [], np.zeros(0, dtype=np.float32)
    joined = np.concatenate([chunk.audio[s:e] for s, e in spans]).astype(np.float32, copy=False)
    return pieces, joined


def _spans(chunk: SpeechChunk, pad: int, merge_gap: int) -> list[list[int]]:
    """[start, end) sample ranges of ``chunk.audio`` to keep: padded regions, near ones merged."""
    origin = int(round(chunk.start * SAMPLE_RATE))
    spans: list[list[int]] = []
    for region in chunk.regions:
        s = max(0, int(round(region.start * SAMPLE_RATE)) - origin - pad)
        e = min(len(chunk.audio), int(round(region.end * SAMPLE_RATE)) - origin + pad)
        if e <= s:
            continue
        if spans and s - spans[-1][1] <= merge_gap:
            spans[-1][1] = max(spans[-1][1], e)
        else:
            spans.append([s, e])
    return spans


INVENTED_RUN_WORDS = 3
"""A run of at least this many words, each squeezed into almost no time and doubtful, was not heard..."""
INVENTED_MEAN_S = 0.1
"""...when their mean duration is under this (spoken words last 0.2-0.4 s)..."""
INVENTED_MEAN_PROBABILITY = 0.5
"""...and their mean probability under this. Whisper writes such runs where its input is cut mid-word
("Uh, uh, so, uh, we plan to try and" at a chunk boundary) and after the last word ("Thank you for
joining us."): the alignment finds no audio for them, so it gives them zero length."""


@dataclass(frozen=True, slots=True)
class _RawWord:
    """A faster-whisper word with continuation pieces joined: what :func:`_map_word` reads."""

    word: str
    start: float
    end: float
    probability: float


def _join_continuations(words) -> list[_RawWord]:
    """Join the pieces faster-whisper splits a word into ("side", "-by", "-side"; "20", ",000").

    A new word starts with a space; a piece without one continues the word before it.
    """
    joined: list[_RawWord] = []
    for w in words:
        if joined and w.word and not w.word[0].isspace() and w.word.strip()[:1] in "-,.'":
            last = joined[-1]
            joined[-1] = _RawWord(last.word + w.word, last.start, w.end, min(last.probability, w.probability))
        else:
            joined.append(_RawWord(w.word, w.start, w.end, w.probability))
    return joined


def _drop_invented(words: list[_RawWord]) -> list[_RawWord]:
    """Words minus the runs Whisper invented (see :data:`INVENTED_MEAN_PROBABILITY`)."""
    squeezed = [w.end - w.start < INVENTED_MEAN_S or w.probability < INVENTED_MEAN_PROBABILITY for w in words]
    keep = [True] * len(words)
    i = 0
    while i < len(words):
        if not squeezed[i]:
            i += 1
            continue
        j = i
        while j < len(words) and squeezed[j]:
            j += 1
        run = words[i:j]
        if (len(run) >= INVENTED_RUN_WORDS
                and sum(w.end - w.start for w in run) / len(run) < INVENTED_MEAN_S
                and sum(w.probability for w in run) / len(run) < INVENTED_MEAN_PROBABILITY):
            keep[i:j] = [False] * len(run)
            log.debug("dropped invented words %r", "".join(w.word for w in run))
        i = j
    return [w for w, k in zip(words, keep) if k]


LOOP_MIN_REPEATS = 4
"""The same word this many times in a row is Whisper stuck in a loop ("No, no, no, no, no, no, no, no."
over a sentence it could not make out, one "no." stretched over 5 s), not speech: people repeat a word
twice or three times. Too short a loop for the compression-ratio test, which needs a long text."""

HESITATIONS = frozenset("um umm uh uhh uhm erm er hm hmm mm mhm ah eh".split())
"""...except a hesitation sound: "uh, uh, uh, uh" is how people stall, and what the prompt's fillers are for
(on the MFA clips, dropping such runs lost 7 of 18 fillers)."""


def _drop_loops(words: list[_RawWord]) -> list[_RawWord]:
    """Words minus runs of one word repeated :data:`LOOP_MIN_REPEATS` times or more.

    The speech under a dropped run is left without words, so a prompted decode tries it again
    without the prompt (see :func:`_unwritten`).
    """
    kept: list[_RawWord] = []
    for key, group in itertools.groupby(words, key=lambda w: _normalise(w.word)):
        run = list(group)
        if key and key not in HESITATIONS and len(run) >= LOOP_MIN_REPEATS:
            log.debug("dropped a repetition loop %r", "".join(w.word for w in run))
        else:
            kept += run
    return kept


def _map_word(w: _RawWord, pieces: list[_Piece]) -> Word | None:
    """A faster-whisper word as a :class:`Word` on the recording clock, or None if past the input."""
    text = w.word.strip()
    if not text:
        return None
    start = int(round(w.start * SAMPLE_RATE))
    end = max(start, int(round(w.end * SAMPLE_RATE)))
    last = pieces[-1]
    mid = (start + end) // 2
    if mid >= last.input_start + last.length:
        return None
    # Both ends map through the piece holding the word's middle, so a word
    # Whisper stretched across a cut cannot span the removed silence.
    i = bisect.bisect_right([p.input_start for p in pieces], mid) - 1
    p = pieces[max(i, 0)]
    lo, hi = p.input_start, p.input_start + p.length
    start = min(max(start, lo), hi)
    end = min(max(end, lo), hi)
    shift = p.source_start - p.input_start
    return Word(
        start=(start + shift) / SAMPLE_RATE,
        end=(end + shift) / SAMPLE_RATE,
        text=text,
        probability=float(w.probability),
    )


def _inside_regions(word: Word, regions: Sequence[SpeechRegion], padding_s: float) -> bool:
    return any(word.start < r.end + padding_s and word.end > r.start - padding_s for r in regions)


def _centred_in(word: Word, regions: Sequence[SpeechRegion]) -> bool:
    middle = (word.start + word.end) / 2
    return any(r.start <= middle < r.end for r in regions)


def _unwritten(regions: Sequence[SpeechRegion], words: Sequence[Word]) -> list[SpeechRegion]:
    """The regions of at least :data:`UNWRITTEN_MIN_S` that ``words`` leave (almost) without words."""
    found = []
    for r in regions:
        if r.end - r.start < UNWRITTEN_MIN_S:
            continue
        covered = sum(max(0.0, min(w.end, r.end) - max(w.start, r.start)) for w in words)
        if covered < UNWRITTEN_COVERAGE * (r.end - r.start):
            found.append(r)
    return found


def _clearly_speech(segment) -> bool:
    return segment.no_speech_prob < 0.2 and segment.avg_logprob > -0.5 and _mean_probability(segment) > 0.7


def _mean_probability(segment) -> float:
    words = segment.words or ()
    return sum(w.probability for w in words) / len(words) if words else 0.0


_NON_WORD = re.compile(r"[^a-z0-9' ]+")


def _normalise(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", text.lower()).split())
