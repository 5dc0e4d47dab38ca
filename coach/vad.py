"""Speech regions from a 16 kHz mono stream: webrtcvad gated by a tracked noise floor.

Each 10 ms frame is speech when two independent tests agree:

* webrtcvad (the GMM detector from WebRTC) calls the frame's 30 ms block voiced.
  It knows what speech sounds like, but it fires on steady noise and its
  hangover keeps it on for a while after a word ends;
* the frame's 300-4000 Hz band energy is at least ``gate_db`` above the noise
  floor, the lowest frame energy over the last ``floor_window_s`` (and the
  ``lookahead_s`` ahead), and at least ``noise_gate_db`` above the typical
  quiet frame there (the ``noise_percentile``-th percentile). Stationary noise
  of any level, white noise included, never rises that far above its own
  minimum, and digital silence has no energy at all, so neither produces a
  region; the edges of a word are where its energy leaves the floor, which
  trims webrtcvad's hangover and gives boundaries to within a frame or two.
  The floor is relative, so quiet far-field speech passes as well as close
  talk. In noise that webrtcvad calls speech too (``noisy_voiced_fraction``),
  where the voice may not lift the broadband energy at all, the energy test
  is made per band instead, against each band's floor and its typical noise
  level (``band_gate_db``, ``band_noise_gate_db``).

Speech frames closer than ``burst_gap_s`` form a burst (a syllable, a short
word), which counts once it has ``min_burst_s`` of speech frames or has lasted
``min_speech_s``, and one of its frames is periodic (``min_periodicity``, the
voicing of a vowel): webrtcvad flickering on noise, a lip smack or a breath
neither starts a region nor stretches one across a gap.

Counted bursts closer than ``min_silence_s`` are joined into one region (the
gaps between words), and a region with less than ``min_speech_s`` from its
first to its last speech frame is dropped (a click, a door), as is one whose
energy stays flat (noise that stepped up faster than the floor follows), and
one far quieter than the speech heard just before it (someone talking in
another room, a radio: the coach listens to the near talker).

The detector is a streaming state machine whose clock is the sample count:
:meth:`VoiceActivityDetector.push` takes audio of any length and returns the
regions that can no longer change. A frame is decided ``lookahead_s`` after it
arrives and a region is closed ``min_silence_s`` after its last speech frame,
so results lag the audio by about 0.4 s, on a file and on a microphone
alike.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from coach.errors import ConfigError
from coach.records import SAMPLE_RATE, AudioBlock, SpeechRegion

HOP = SAMPLE_RATE // 100
"""Samples in one 10 ms analysis frame: the resolution of every boundary."""

_SILENT_DB = -100.0
"""Energy given to an all-zero frame, so digital silence has a finite floor."""

_PITCH_WINDOW = 4 * HOP
"""Samples (40 ms) whose autocorrelation gives a frame's periodicity: two periods of an 80 Hz voice."""

_PITCH_LAGS = (SAMPLE_RATE // 400, SAMPLE_RATE // 80)
"""Lags (samples, 2.5-12.5 ms, a pitch of 400-80 Hz) searched for the autocorrelation peak."""

_PITCH_FFT = 1024
"""FFT length for the autocorrelation: at least the window plus the longest lag, so no lag wraps around."""

_PITCH_BAND_HZ = (80.0, 3000.0)
"""The band the autocorrelation is taken over: the voice's harmonics, without rumble or hiss."""

_BANDS = 12
"""Bands, spaced evenly in log frequency over :data:`_BANDS_HZ`, whose energies are compared with
their own floors in noise (:attr:`VadOptions.band_gate_db`)."""

_BANDS_HZ = (300.0, 6000.0)

_BAND_SMOOTHING = 5
"""Frames (centred) over which band powers are averaged: one 10 ms frame is too few FFT bins per band."""

_QUIET_PERCENTILE = 10.0
"""The quietest frames (this percentile of the floor window) are those webrtcvad is checked on for noise."""

_MIN_QUIET_WINDOW = 50
"""Frames the floor window must hold before webrtcvad is judged on it (0.5 s)."""

_NOISE_EVERY = 10
"""Frames between two updates of the noise percentile (it moves slowly; a percentile per frame costs)."""


@dataclass(frozen=True, slots=True)
class VadOptions:
    """How speech frames are found and joined into regions.

    The defaults were tuned once, for all sources together, in
    ``bench/eval_vad.py``: far-field meeting speech, noisy podcast and
    read-speech clips with frame-precise labels, and synthesized interviews
    whose pauses are known exactly.
    """

    aggressiveness: int = 1
    """webrtcvad mode, 0 (calls most things speech) to 3 (strictest). 1 also
    passes the murmur inside a far-field talker's turn (15-30 dB above the
    floor, 35-45 dB under their loudest syllables), which 2 drops, splitting
    the turn (3 drops far-field words too); the energy gate and
    ``min_burst_s`` remove the noise it lets through."""

    frame_ms: int = 30
    """Length of the blocks webrtcvad judges (10, 20 or 30 ms); its verdict
    covers each 10 ms frame inside. 30 ms gives it the most context per call."""

    band_hz: tuple[float, float] = (300.0, 4000.0)
    """The band whose energy is compared with the floor: where speech carries
    its energy, leaving out hum and rumble below and hiss above."""

    gate_db: float = 9.0
    """How far above the noise floor a frame's band energy must be, in dB.
    Stationary noise stays within a few dB of its minimum; speech rises 15-50 dB."""

    noise_percentile: float = 3.0
    """Which percentile of the band energies over the floor window (and the
    lookahead) stands for the typical quiet frame. The minimum alone is one
    frame's luck: in fluctuating noise (traffic, a fan, a busy room) most quiet
    frames sit several dB above it and pass ``gate_db``. A low percentile is
    still a quiet frame in continuous speech (8 s of it has more than 0.25 s
    of gaps) while it follows the bulk of the noise. 3 and 5 score the same
    on the TEN VAD test set, but 5 splits a far-field turn in pyannote dev00
    (F1 0.951 to 0.941)."""

    noise_gate_db: float = 3.0
    """How far above that typical quiet frame a frame's band energy must also
    be, in dB. In the benchmark 3 removes noise frames between words in the
    noisy clips of the TEN VAD test set (mean F1 0.906 to 0.909 alone, 0.911
    to 0.913 with ``min_periodicity``) and leaves the far-field meeting speech
    as it was; 2 gains less, 4 no more while it starts to drop the murmur of
    the far-field talkers. The price: a voice that does not lift the noise
    by about 3 dB (one 6 dB under it) is not heard."""

    floor_window_s: float = 8.0
    """How far back the noise floor looks for its minimum, in seconds. Long
    enough to include a gap between words even in fast continuous speech; short
    enough to follow a change of room or microphone gain."""

    lookahead_s: float = 0.1
    """How far ahead of a frame the floor also looks before the frame is
    decided, in seconds: at the start of a stream this finds the floor in the
    first gap instead of calling everything speech. Every region closes this
    much later, which a live speaker waits through: 0.1 scores as 0.2 did in
    the benchmark (TEN VAD mean F1 0.918 against 0.917, pyannote dev00 0.9503
    against 0.9505, the interview pauses the same) and confirms the end of an
    utterance 0.1 s sooner."""

    min_silence_s: float = 0.3
    """Silence shorter than this between speech frames is a gap inside the
    region (between words), in seconds. Kept well below the 2 s pauses the
    coach reports, so a pause's edges are the edges of the speech around it."""

    min_speech_s: float = 0.1
    """A region shorter than this is dropped (clicks, knocks), in seconds."""

    burst_gap_s: float = 0.08
    """Speech frames closer than this are one burst, in seconds: the frames of
    a syllable, whose stop closures and dips last a few tens of milliseconds."""

    min_burst_s: float = 0.05
    """A burst joins a region once it has this many seconds of speech frames
    (or has lasted ``min_speech_s``). Fewer are webrtcvad flickering on noise,
    a breath or a lip smack, which 0.2 s after a word would otherwise stretch
    the region over a gap that is heard, and labelled, as silence. 0.04-0.05
    score the same in the benchmark; 0.06 starts to drop short syllables."""

    noisy_voiced_fraction: float = 0.7
    """When webrtcvad in its strictest mode (3) calls at least this fraction
    of the quietest frames around a frame voiced (the quietest tenth of the
    floor window and lookahead), it cannot tell the noise from speech, and
    neither can the broadband energy: the frame is judged by its per-band
    energy instead (``band_gate_db``). Clean and far-field recordings score
    0.0-0.35 (pyannote under 0.06, the synthesized interviews under 0.35);
    the noisiest clips of the TEN VAD test set 0.7-1.0, and white, pink or
    brown noise too. 0.5-0.9 score the same there (mean F1 0.915-0.917);
    above 1 turns the switch off."""

    band_gate_db: float = 6.0
    """In noise (see ``noisy_voiced_fraction``), how far above their own floors
    12 bands (300-6000 Hz, log-spaced, power averaged over 50 ms) must be on
    average, in dB, instead of the broadband gates. Noise that buries a voice
    in the broadband energy leaves it audible in some bands: voices at 0 dB
    SNR in white or pink noise, which the broadband gates miss entirely, are
    found to within 0.04 s. Stationary noise alone averages 4-6 dB here (each
    floor is a minimum, so the typical frame sits above it), and 6 is just
    above that: at 5 brown noise (a rumble) stretches the regions around
    voices by 0.6 s, at 8 quiet voices are lost. TEN VAD mean F1 0.913 to
    0.917 (5-7 give 0.916-0.917): its noisiest clips 01, 03, 04 and 28 gain
    0.02-0.07, while 22, 23 and 27 lose 0.01-0.03."""

    band_noise_percentile: float = 30.0
    """In noise (see ``noisy_voiced_fraction``), which percentile of each
    band's smoothed power over the floor window stands for the band's typical
    noise level. Noise that webrtcvad calls speech (music, a busy room, a
    street) is seldom stationary, so a band's minimum is one lucky frame and
    the noise between words passes ``band_gate_db`` over it; the percentile
    follows the bulk of it. 20-40 score about the same (TEN VAD mean F1
    0.920-0.922 with ``band_noise_gate_db`` 1.5-2.5, against 0.918 without)."""

    band_noise_gate_db: float = 2.0
    """In noise, how far above their typical noise levels
    (``band_noise_percentile``) the 12 bands must be on average, in dB, besides
    ``band_gate_db`` above their floors. 2 lifts the podcast clips with music
    or chatter under the talker (TEN VAD 22, 23, 27: F1 +0.035 to +0.07) and
    costs the noisiest read-speech clips a little (04, 28: -0.01); at 3 quiet
    syllables in noise start to go (TEN 0.914). 0 turns the test off."""

    min_periodicity: float = 0.5
    """A burst counts only once one of its frames is at least this periodic:
    the peak of the frame's normalised autocorrelation (the 40 ms ending with
    the frame, 80-3000 Hz) at a pitch lag of 2.5-12.5 ms (80-400 Hz). Every
    syllable has a voiced nucleus, which scores 0.7-1.0; much of the noise,
    breath and clicking that webrtcvad and the energy gates let through
    between words scores under 0.5. 0.5 was best in the benchmark (TEN VAD
    mean F1 0.906 to 0.911 alone, 0.909 to 0.913 with the noise gate; the
    meeting and interview figures unchanged); 0.4 gains less, 0.6 starts to
    drop weakly voiced syllables, 0.8 whole quiet utterances (TEN 0.884).
    0 turns the test off. An aperiodic stretch keeps only its last
    ``min_speech_s`` waiting for a voiced frame, so the decision lag stays
    bounded; the pitch is worked out only for the frames of a burst that is
    still waiting, a few per syllable."""

    min_variation_db: float = 1.0
    """A region whose speech frames' energy varies less than this (standard
    deviation, dB) is dropped: speech rises and falls with every syllable,
    while noise that just got louder (a fan switched on) is flat until the
    floor catches up with it. White noise varies by well under 1 dB per 10 ms
    frame; speech by 5-15 dB."""

    max_below_peak_db: float = 30.0
    """A region whose loudest frame (above the floor) is more than this many dB
    below the loudest frame of the regions that ended within the last
    ``peak_window_s`` is dropped. In the benchmark the talkers' regions peak
    within 20 dB of each other, while the unlabelled sounds from across a
    meeting room, which webrtcvad calls speech too, peak 35-40 dB below them;
    30 sits between the two (20 scores the same, 35 lets them back in).
    Measured against earlier regions only, so the first sound of a stream is
    always kept."""

    peak_window_s: float = 10.0
    """How long, in seconds, a region's peak counts as the level of speech
    that later regions are compared with: long enough to span a pause, short
    enough to follow the talker turning away or the gain being lowered."""

    pad_start_s: float = 0.0
    """Seconds added before each region (kept clear of the previous region).
    Zero by default: the energy edge already is the word's edge. Against the
    frame-precise labels of the TEN VAD test set regions start a median 0.02 s
    late and end 0.02 s early, and 0.02 either side would raise its mean F1 by
    about 0.003; but every pause would shrink by 0.04 s, and the interview
    benchmark then misses a 2 s pause (and the pause edges, now exact to a few
    milliseconds, move by 0.02 s)."""

    pad_end_s: float = 0.0
    """Seconds added after each region (never past the end of the audio); see ``pad_start_s``."""

    def __post_init__(self) -> None:
        if self.aggressiveness not in (0, 1, 2, 3):
            raise ConfigError(f"VAD aggressiveness must be 0, 1, 2 or 3, not {self.aggressiveness!r}")
        if self.frame_ms not in (10, 20, 30):
            raise ConfigError(f"VAD frame_ms must be 10, 20 or 30, not {self.frame_ms!r}")
        low, high = self.band_hz
        if not 0 <= low < high <= SAMPLE_RATE / 2:
            raise ConfigError(f"VAD band_hz must satisfy 0 <= low < high <= {SAMPLE_RATE // 2}, not {self.band_hz!r}")
        if not 0 <= self.noise_percentile <= 100:
            raise ConfigError(f"VAD noise_percentile must be between 0 and 100, not {self.noise_percentile!r}")
        if not 0 <= self.band_noise_percentile <= 100:
            raise ConfigError(f"VAD band_noise_percentile must be between 0 and 100, not {self.band_noise_percentile!r}")
        if self.noisy_voiced_fraction < 0:
            raise ConfigError(f"VAD noisy_voiced_fraction must not be negative, not {self.noisy_voiced_fraction!r}")
        if not 0 <= self.min_periodicity <= 1:
            raise ConfigError(f"VAD min_periodicity must be between 0 and 1, not {self.min_periodicity!r}")
        for name in ("floor_window_s", "lookahead_s", "min_silence_s", "min_speech_s", "burst_gap_s", "min_burst_s", "max_below_peak_db", "peak_window_s", "pad_start_s", "pad_end_s"):
            if getattr(self, name) < 0:
                raise ConfigError(f"VAD {name} must not be negative, not {getattr(self, name)!r}")
        if self.min_silence_s < HOP / SAMPLE_RATE:
            raise ConfigError(f"VAD min_silence_s must be at least one frame ({HOP / SAMPLE_RATE} s)")


class _History:
    """Per-frame values (one row per 10 ms frame) from some frame on: appended by blocks, read by windows.

    A buffer that grows by doubling and drops old rows by moving the rest to its front, so appending a
    block and reading a window cost no Python loop over frames.
    """

    def __init__(self, row: tuple[int, ...] = ()) -> None:
        self._data = np.zeros((1024, *row))
        self._first = 0  # frame of row 0
        self._count = 0

    def extend(self, values: np.ndarray) -> None:
        end = self._count + len(values)
        if end > len(self._data):
            grown = np.zeros((max(end, 2 * len(self._data)), *self._data.shape[1:]))
            grown[: self._count] = self._data[: self._count]
            self._data = grown
        self._data[self._count : end] = values
        self._count = end

    def window(self, start: int, stop: int) -> np.ndarray:
        """The rows of frames ``start`` to ``stop`` (excluded) that are held: a view, not a copy."""
        return self._data[max(start - self._first, 0) : max(min(stop - self._first, self._count), 0)]

    def forget_before(self, frame: int) -> None:
        drop = frame - self._first
        if drop > len(self._data) // 2:  # rarely: the move is paid for by many appends
            self._data[: self._count - drop] = self._data[drop : self._count]
            self._first, self._count = frame, self._count - drop


class VoiceActivityDetector:
    """Streaming: push audio of any block size, get finished speech regions back.

    Times are seconds on the recording clock: the number of samples pushed
    before, divided by :data:`~coach.records.SAMPLE_RATE`.
    """

    def __init__(self, options: VadOptions = VadOptions()) -> None:
        import webrtcvad

        self.options = options
        self._vad = webrtcvad.Vad(options.aggressiveness)
        self._strict_vad = webrtcvad.Vad(3)
        self._block = options.frame_ms * SAMPLE_RATE // 1000
        self._window = np.hanning(HOP)
        bins = np.fft.rfftfreq(HOP, 1 / SAMPLE_RATE)
        self._band = (bins >= options.band_hz[0]) & (bins <= options.band_hz[1])
        edges = np.geomspace(*_BANDS_HZ, _BANDS + 1)
        self._band_matrix = np.stack([(bins >= low) & (bins < high) for low, high in zip(edges[:-1], edges[1:])], axis=1).astype(np.float64)
        self._back = int(round(options.floor_window_s * 100))
        self._ahead = int(round(options.lookahead_s * 100))
        self._min_silence = int(round(options.min_silence_s * 100))
        self._min_speech = int(round(options.min_speech_s * 100))
        self._burst_gap = int(round(options.burst_gap_s * 100))
        self._min_burst = int(round(options.min_burst_s * 100))
        self._peak_window = int(round(options.peak_window_s * 100))
        self._pitch_taper = np.hanning(_PITCH_WINDOW)
        pitch_bins = np.fft.rfftfreq(_PITCH_FFT, 1 / SAMPLE_RATE)
        self._pitch_band = ((pitch_bins >= _PITCH_BAND_HZ[0]) & (pitch_bins <= _PITCH_BAND_HZ[1])).astype(np.float64)
        taper_ac = np.fft.irfft(np.abs(np.fft.rfft(self._pitch_taper, _PITCH_FFT)) ** 2)
        # The taper's own autocorrelation, which shrinks every lag's value: divided out.
        self._taper_ac = taper_ac[_PITCH_LAGS[0] : _PITCH_LAGS[1]] / taper_ac[0]

        self._pending: list[np.ndarray] = []
        self._pending_len = 0
        self._samples = 0  # every sample pushed, the clock
        self._frames = 0  # frames analysed (energy and webrtcvad verdict known)
        self._decided = 0  # frames decided: their floor is known
        self._energy: deque[float] = deque()  # frames analysed but not decided
        self._voiced: deque[bool] = deque()
        self._audio: deque[np.ndarray] = deque()  # samples of the frames analysed but not decided
        self._before: deque[np.ndarray] = deque([np.zeros(HOP)] * (_PITCH_WINDOW // HOP - 1))  # of the last frames decided
        # From the floor window of the frame being decided on: energies, webrtcvad's verdicts in
        # its strictest mode and band powers, shape=(_BANDS,).
        self._energies = _History()
        self._strict = _History()
        self._bands = _History((_BANDS,))
        self._noisy = False  # whether webrtcvad calls the quiet frames around the frame being decided voiced
        self._band_floor = np.zeros(_BANDS)  # dB, each band's floor there (kept while noisy)
        self._band_noise = np.zeros(_BANDS)  # dB, each band's band_noise_percentile-th percentile there (kept while noisy)
        self._noise = _SILENT_DB  # the noise_percentile-th percentile of the energies around the frame being decided
        self._floor: deque[tuple[int, float]] = deque()  # (frame, energy), energies rising: a sliding minimum
        self._burst_start = 0  # first speech frame of the burst in progress
        self._burst_end: int | None = None  # frame after its last speech frame; None between bursts
        self._burst_count = 0  # its speech frames
        self._burst_voiced = False  # whether one of them was periodic enough
        self._held: list[tuple[int, float, float]] = []  # (frame, energy, above floor) of its frames while it does not count yet
        self._start: int | None = None  # first speech frame of the region in progress
        self._last: int = 0  # frame after the last speech frame of that region
        self._sums = [0, 0.0, 0.0]  # count, sum and sum of squares of its speech frames' energy
        self._peak = _SILENT_DB  # its loudest speech frame, dB above the floor
        self._peaks: deque[tuple[int, float]] = deque()  # (end frame, peak) of regions closed within peak_window_s
        self._emitted_end = 0.0  # end of the last region returned
        self._settled = 0.0

    def push(self, samples: np.ndarray) -> list[SpeechRegion]:
        """Feed ``samples`` (shape=(n,), float32, 16 kHz mono; n may be 0).

        Returns the regions that became final, in order, in seconds.
        """
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        self._samples += len(samples)
        if len(samples):
            self._pending.append(samples)
            self._pending_len += len(samples)
        if self._pending_len < self._block:
            return []
        joined = np.concatenate(self._pending) if len(self._pending) > 1 else self._pending[0]
        usable = self._pending_len - self._pending_len % self._block
        rest = joined[usable:]
        self._pending = [rest] if len(rest) else []
        self._pending_len = len(rest)
        self._analyse(joined[:usable])
        regions: list[SpeechRegion] = []
        while self._frames - self._decided > self._ahead:
            self._decide(regions)
        self._update_settled()
        return regions

    def flush(self) -> list[SpeechRegion]:
        """End of stream: decide the frames still waiting and close any open region.

        A last fraction of a webrtcvad block (under ``frame_ms``) is too short to
        judge and counts as silence.
        """
        regions: list[SpeechRegion] = []
        while self._decided < self._frames:
            self._decide(regions)
        self._close(regions)
        self._pending = []
        self._pending_len = 0
        self._settled = max(self._settled, self._samples / SAMPLE_RATE)
        return regions

    @property
    def settled_until(self) -> float:
        """Seconds: everything before this instant is decided.

        Before it, audio is either inside a returned region, inside the open
        region (:attr:`open_region_start`), or silence that no later audio can
        turn into speech. It never decreases, and lags the audio pushed by at
        most ``lookahead_s + min_silence_s + frame_ms`` (plus ``pad_start_s``).
        """
        return self._settled

    @property
    def open_region_start(self) -> float | None:
        """Start (seconds) of a speech region in progress, once it is long enough to keep; else None."""
        if self._start is None or self._last - self._start < self._min_speech:
            return None
        return self._region_start(self._start)

    def likely_end(self, quiet_s: float) -> float | None:
        """Where the open region will probably end, once it has been quiet for ``quiet_s`` seconds; else None.

        A guess made before the region is decided: the frames still inside
        the lookahead are judged against the floors and noise level known now
        (the pitch test is left out). Live practice starts transcribing an
        utterance on this guess, so that its words are ready about when the
        region is closed (``min_silence_s`` later).
        """
        if self.open_region_start is None:
            return None
        floor = self._floor[0][1]
        last = self._last
        for offset, (energy, voiced) in enumerate(zip(self._energy, self._voiced)):
            frame = self._decided + offset
            if self._noisy:
                louder = self._band_louder(frame)
            else:
                louder = energy - floor > self.options.gate_db and energy - self._noise > self.options.noise_gate_db
            if voiced and louder:
                last = frame + 1
        if (self._frames - last) * HOP / SAMPLE_RATE < quiet_s:
            return None
        return last * HOP / SAMPLE_RATE

    def _analyse(self, audio: np.ndarray) -> None:
        """Band energy and webrtcvad verdict for every 10 ms frame of ``audio``.

        ``audio`` holds whole webrtcvad blocks; the work is vectorised over
        frames except for one webrtcvad call per block.
        """
        audio = np.clip(audio, -1.0, 1.0)
        frames = audio.reshape(-1, HOP).astype(np.float64)
        spectrum = np.abs(np.fft.rfft(frames * self._window, axis=1)) ** 2
        power = spectrum[:, self._band].sum(axis=1) / HOP
        energy = np.where(power > 0, 10 * np.log10(np.maximum(power, 1e-30)), _SILENT_DB)
        energy = np.maximum(energy, _SILENT_DB)
        pcm = (audio * 32767).astype("<i2").tobytes()
        step = self._block * 2
        per_block = self._block // HOP
        voiced = [self._vad.is_speech(pcm[i : i + step], SAMPLE_RATE) for i in range(0, len(pcm), step)]
        strict = [self._strict_vad.is_speech(pcm[i : i + step], SAMPLE_RATE) for i in range(0, len(pcm), step)]
        self._energy.extend(energy.tolist())
        self._voiced.extend(np.repeat(voiced, per_block).tolist())
        self._energies.extend(energy)
        self._strict.extend(np.repeat(strict, per_block))
        self._bands.extend(spectrum @ self._band_matrix)
        self._audio.extend(frames)
        for value in energy.tolist():
            while self._floor and self._floor[-1][1] >= value:
                self._floor.pop()
            self._floor.append((self._frames, value))
            self._frames += 1

    def _periodicity(self, samples: np.ndarray) -> float:
        """The peak of the normalised autocorrelation at a pitch lag of the 40 ms ``samples``
        (a frame and the three before it); 0 for silence."""
        power = np.abs(np.fft.rfft(samples * self._pitch_taper, _PITCH_FFT)) ** 2 * self._pitch_band
        correlation = np.fft.irfft(power)[: _PITCH_LAGS[1]]
        if correlation[0] <= 0:
            return 0.0
        return float((correlation[_PITCH_LAGS[0] :] / self._taper_ac).max() / correlation[0])

    def _decide(self, regions: list[SpeechRegion]) -> None:
        """Decide the oldest waiting frame and advance the burst and region state machines."""
        frame = self._decided
        while self._floor[0][0] < frame - self._back:
            self._floor.popleft()
        if frame % _NOISE_EVERY == 0:
            self._update_noise(frame)
        energy = self._energy.popleft()
        voiced = self._voiced.popleft()
        samples = self._audio.popleft()
        self._decided += 1
        above = energy - self._floor[0][1]
        if self._noisy:
            louder = self._band_louder(frame)
        else:
            louder = above > self.options.gate_db and energy - self._noise > self.options.noise_gate_db
        if voiced and louder:
            self._burst_frame(frame, energy, above, samples)
        elif self._burst_end is not None and frame + 1 - self._burst_end >= self._burst_gap:
            self._burst_end = None
            self._held = []  # the burst ended without counting: a flicker, not a syllable
        self._before.popleft()
        self._before.append(samples)
        # Held frames may still join the region: its silence runs only up to the first of them.
        after = self._held[0][0] if self._held else frame + 1
        if self._start is not None and after - self._last >= self._min_silence:
            self._close(regions)

    def _update_noise(self, frame: int) -> None:
        """The noise percentile, whether webrtcvad hears the noise as speech, and if so the band floors."""
        start, stop = frame - self._back, frame + self._ahead + 1
        for history in (self._energies, self._strict, self._bands):
            history.forget_before(start - _BAND_SMOOTHING)
        energies = self._energies.window(start, stop)
        noise, quiet = (int(round(q / 100 * (len(energies) - 1))) for q in (self.options.noise_percentile, _QUIET_PERCENTILE))
        ranked = np.partition(energies, (noise, quiet))
        self._noise = float(ranked[noise])
        if len(energies) < _MIN_QUIET_WINDOW:
            self._noisy = False
            return
        strict = self._strict.window(start, stop)
        quietest = energies <= ranked[quiet]
        self._noisy = bool(np.dot(strict, quietest) >= self.options.noisy_voiced_fraction * np.count_nonzero(quietest))
        if self._noisy:
            bands = self._bands.window(start, stop)
            sums = np.cumsum(np.vstack([np.zeros(_BANDS), bands]), axis=0)
            width = min(_BAND_SMOOTHING, len(bands))
            smoothed = (sums[width:] - sums[:-width]) / width
            self._band_floor = 10 * np.log10(np.maximum(smoothed.min(axis=0), 1e-30))
            typical = int(round(self.options.band_noise_percentile / 100 * (len(smoothed) - 1)))
            self._band_noise = 10 * np.log10(np.maximum(np.partition(smoothed, typical, axis=0)[typical], 1e-30))

    def _band_louder(self, frame: int) -> bool:
        """In noise: whether ``frame``'s smoothed band powers rise far enough above the bands' floors and
        typical noise levels (the mean over bands of how far each is above, dB, counting only the bands above)."""
        half = _BAND_SMOOTHING // 2
        level = 10 * np.log10(np.maximum(self._bands.window(frame - half, frame + half + 1).mean(axis=0), 1e-30))
        over_floor = float(np.maximum(level - self._band_floor, 0.0).mean())
        over_noise = float(np.maximum(level - self._band_noise, 0.0).mean())
        return over_floor > self.options.band_gate_db and over_noise >= self.options.band_noise_gate_db

    def _burst_frame(self, frame: int, energy: float, above: float, samples: np.ndarray) -> None:
        if self._burst_end is None:
            self._burst_start = frame
            self._burst_count = 0
            self._burst_voiced = self.options.min_periodicity <= 0
        self._burst_end = frame + 1
        self._burst_count += 1
        if not self._burst_voiced:
            # Worked out only until the burst has its voiced frame: a few frames per syllable.
            window = np.concatenate([*self._before, samples])
            self._burst_voiced = self._periodicity(window) >= self.options.min_periodicity
        self._held.append((frame, energy, above))
        if not self._burst_voiced and frame - self._burst_start >= self._min_speech:
            # Unvoiced so far: only its last min_speech_s waits for a vowel (and keeps settled_until back).
            self._held = [held for held in self._held if held[0] > frame - self._min_speech]
            self._burst_start = self._held[0][0]
            self._burst_count = len(self._held)
        # Lasting min_speech_s counts too: it bounds how long held frames keep settled_until back.
        if self._burst_voiced and (self._burst_count >= self._min_burst or frame - self._burst_start >= self._min_speech):
            for held in self._held:
                self._add_speech(*held)
            self._held = []

    def _add_speech(self, frame: int, energy: float, above: float) -> None:
        if self._start is None:
            self._start = frame
            self._sums = [0, 0.0, 0.0]
            self._peak = above
        self._last = frame + 1
        self._peak = max(self._peak, above)
        self._sums[0] += 1
        self._sums[1] += energy
        self._sums[2] += energy * energy

    def _close(self, regions: list[SpeechRegion]) -> None:
        if self._start is None:
            return
        count, total, squares = self._sums
        spread = np.sqrt(max(squares / count - (total / count) ** 2, 0.0))
        while self._peaks and self._peaks[0][0] <= self._start - self._peak_window:
            self._peaks.popleft()
        level = max((peak for _, peak in self._peaks), default=self._peak)
        plausible = self._last - self._start >= self._min_speech and spread >= self.options.min_variation_db
        if plausible:
            # Only what could be speech sets the level: a loud click must not silence the words after it.
            self._peaks.append((self._last, self._peak))
        if plausible and self._peak >= level - self.options.max_below_peak_db:
            start = self._region_start(self._start)
            end = min(self._last * HOP / SAMPLE_RATE + self.options.pad_end_s, self._samples / SAMPLE_RATE)
            regions.append(SpeechRegion(start, end))
            self._emitted_end = end
        self._start = None

    def _region_start(self, frame: int) -> float:
        return max(frame * HOP / SAMPLE_RATE - self.options.pad_start_s, self._emitted_end, 0.0)

    def _update_settled(self) -> None:
        if self._start is None:
            # A region starting at a held frame, or else at the next undecided one, may reach back by its padding.
            first = self._held[0][0] if self._held else self._decided
            frontier = first * HOP / SAMPLE_RATE - self.options.pad_start_s
        elif self._last - self._start < self._min_speech:
            # Too short to keep yet: it may still be dropped as a click.
            frontier = self._region_start(self._start)
        else:
            frontier = self._last * HOP / SAMPLE_RATE
        self._settled = max(self._settled, min(frontier, self._samples / SAMPLE_RATE))


def detect_speech(blocks: Iterable[AudioBlock], options: VadOptions = VadOptions()) -> Iterator[SpeechRegion]:
    """Convenience generator over a block stream (a file replay).

    Blocks must be consecutive; their ``start_sample`` is not re-checked.
    """
    detector = VoiceActivityDetector(options)
    for block in blocks:
        yield from detector.push(block.samples)
    yield from detector.flush()
