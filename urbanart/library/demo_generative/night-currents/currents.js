// Night Currents: light trails drifting through a city's night air, along a flow field.
// A generative piece for Urban Art Studio's demo. No libraries, no network: everything comes
// from the URL the player gives (?screen=&width=&height=&seed=), so one slot on one screen looks
// the same each time it plays, and two screens or two slots differ.
(function () {
  "use strict";
  const query = new URLSearchParams(location.search);
  const width = Math.max(64, Math.min(7680, Number(query.get("width")) || innerWidth || 1920));
  const height = Math.max(64, Math.min(7680, Number(query.get("height")) || innerHeight || 1080));
  const seedText = (query.get("seed") || "0000000000000000").replace(/[^0-9a-f]/gi, "") || "0";

  // mulberry32, seeded from the hex seed: small, fast and the same in every browser
  let state = parseInt(seedText.slice(0, 8), 16) ^ parseInt(seedText.slice(8, 16) || "0", 16);
  function random() {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  const palettes = [
    ["#ff6b6b", "#ffd93d", "#6bcbef", "#c77dff"],
    ["#f72585", "#b5179e", "#4cc9f0", "#4895ef"],
    ["#ffbe0b", "#fb5607", "#ff006e", "#8338ec"],
    ["#2ec4b6", "#cbf3f0", "#ffbf69", "#ff9f1c"],
    ["#e0aaff", "#9d4edd", "#80ffdb", "#f1fa8c"],
  ];
  const palette = palettes[Math.floor(random() * palettes.length)];

  const canvas = document.getElementById("canvas");
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext("2d");
  g.fillStyle = "#05060c";
  g.fillRect(0, 0, width, height);

  // A smooth field from a few seeded waves: the "currents" the lights follow.
  const waves = Array.from({ length: 4 }, () => ({
    fx: (0.5 + random() * 2.5) / width, fy: (0.5 + random() * 2.5) / height,
    phase: random() * Math.PI * 2, weight: 0.5 + random(),
  }));
  const twist = random() * Math.PI * 2;
  function angle(x, y, t) {
    let a = twist;
    for (const w of waves) a += w.weight * Math.sin((x * w.fx + y * w.fy) * Math.PI * 2 + w.phase + t);
    return a;
  }

  const count = Math.round(Math.sqrt(width * height) * 0.9);
  const scale = Math.max(width, height) / 1920;
  function spawn(p) {
    p.x = random() * width;
    p.y = random() * height;
    p.life = 80 + random() * 260;
    p.color = palette[Math.floor(random() * palette.length)];
    p.speed = (0.6 + random() * 1.8) * scale;
    return p;
  }
  const lights = Array.from({ length: count }, () => spawn({}));

  let t = 0;
  function step() {
    g.globalCompositeOperation = "source-over";
    g.fillStyle = "rgba(5, 6, 12, 0.045)";  // trails fade slowly into the night
    g.fillRect(0, 0, width, height);
    g.globalCompositeOperation = "lighter";
    g.lineWidth = 1.4 * scale;
    g.lineCap = "round";
    for (const p of lights) {
      const a = angle(p.x, p.y, t);
      const nx = p.x + Math.cos(a) * p.speed, ny = p.y + Math.sin(a) * p.speed;
      g.strokeStyle = p.color;
      g.globalAlpha = Math.min(1, p.life / 60) * 0.55;
      g.beginPath();
      g.moveTo(p.x, p.y);
      g.lineTo(nx, ny);
      g.stroke();
      p.x = nx;
      p.y = ny;
      p.life -= 1;
      if (p.life <= 0 || p.x < -10 || p.y < -10 || p.x > width + 10 || p.y > height + 10) spawn(p);
    }
    g.globalAlpha = 1;
    t += 0.0025;
  }
  function frame() {
    step();
    requestAnimationFrame(frame);
  }
  // A head start, so the first picture (and an import's capture) already shows currents.
  for (let i = 0; i < 60; i++) step();
  frame();
})();
