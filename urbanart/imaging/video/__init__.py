"""Moving-image works, with PyAV (its wheels carry FFmpeg, so no system FFmpeg is needed).

- sniff: is a file's head a container we take (MP4/MOV/M4V, WebM, MKV)?
- probe: the facts of a video (displayed size after rotation, duration, frame rate, audio).
- guard: accept or refuse a video at import, with a reason a curator can act on.
- poster: the poster frame (default time, upright still) the thumbnail and fallbacks come from.
- profile: what a screen asks of a video rendition (size, fit, frame-rate cap, byte budget).
- transcode: the H.264 rendition itself, with progress and cancel, written then renamed.
"""
