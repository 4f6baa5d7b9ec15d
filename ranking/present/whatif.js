(function () {
  var holder = document.getElementById("whatif-page");
  if (!holder) return;
  var all = JSON.parse(holder.textContent);
  var P = all.page, W = all.words, TOP = all.top, M = P.model, C = P.constants;
  var FEATURES = P.table.features, FACTORS = P.table.factors.map(function (f) {
    return f.name; });
  function n(v) { return v === null || v === undefined ? NaN : v; }
  function known(v) { return !isNaN(v); }
  function fmt(template, fields) {
    return template.replace(/\{(\w+)(?::([^}]*))?\}/g, function (all, name, spec) {
      var v = fields[name];
      if (!spec) return String(v);
      var m = /^([+]?)(,?)(?:\.(\d+))?([fg]?)$/.exec(spec);
      if (!m || typeof v !== "number") return String(v);
      var s;
      if (m[4] === "f") s = v.toFixed(+m[3]);
      else if (m[4] === "g") s = String(+v.toPrecision(6));
      else s = String(v);
      if (m[2]) {
        var p = s.split(".");
        p[0] = p[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
        s = p.join(".");
      }
      if (m[1] && v >= 0) s = "+" + s;
      return s;
    });
  }
  function at(list, cat) { var i = P.categories.indexOf(cat); return i; }
  function center(q, cat) {
    var i = at(P.categories, cat), v = i < 0 ? NaN : n(P.centers[q][i]);
    return known(v) ? v : n(P.overall[q]);
  }
  function safeLog(x) { return known(x) ? Math.log1p(Math.max(x, 0)) : NaN; }
  var Q = {
    log_sales: function (v) { return safeLog(v.monthly_sales); },
    log_gmv: function (v) {
      var g = known(v.gmv) ? v.gmv : v.monthly_sales * v.price; return safeLog(g); },
    log_payers: function (v) { return safeLog(v.payer_count); },
    log_fav_cart: function (v) {
      var vis = v.visitors > 0 ? v.visitors : NaN;
      return Math.log((v.favorites + v.add_to_cart) / vis + C.rate_floor); },
    log_conversion: function (v) {
      var vis = v.visitors > 0 ? v.visitors : NaN;
      return Math.log(v.payer_count / vis + C.rate_floor); },
    rating: function (v) { return v.avg_rating; },
    log_reviews: function (v) { return safeLog(v.review_count); },
    log_price: function (v) { return v.price > 0 ? Math.log(v.price) : NaN; },
    dsr_description: function (v) { return v.dsr_description; },
    dsr_service: function (v) { return v.dsr_service; },
    dsr_logistics: function (v) { return v.dsr_logistics; }
  };
  function centred(f, v, cat) { return Q[f.yardstick](v) - center(f.yardstick, cat); }
  // One function per transform the feature table declares.
  var T = {
    log1p_minus_category_center: centred,
    log_rate_per_visitor_minus_category_center: centred,
    log_minus_category_center: centred,
    minus_category_center: centred,
    log1p_minus_export_center: function (f, v) {
      return Q[f.yardstick](v) - n(P.overall[f.yardstick]); },
    smoothed_rating_lower_bound_minus_category_center: function (f, v, cat) {
      var reviews = v.review_count, rating = v.avg_rating;
      var mean = center("rating", cat);
      var count = known(rating) ? (known(reviews) ? reviews : 0) : 0;
      var r = known(rating) ? rating : 0;
      var smoothed = (count * r + C.prior_reviews * mean) / (count + C.prior_reviews);
      var bound = smoothed - C.stars_spread / Math.sqrt(count + C.prior_reviews);
      return (!known(rating) && !known(reviews)) ? NaN : bound - mean; },
    count_per_review_count_plus_prior: function (f, v) {
      return v[f.inputs[0]] / (v[f.inputs[1]] + C.prior_reviews); },
    log1p: function (f, v) { return safeLog(v[f.inputs[0]]); },
    min_of_dsr_gaps: function (f, v, cat) {
      var low = NaN;
      f.inputs.forEach(function (c) {
        var gap = v[c] - center(c, cat);
        if (known(gap) && !(gap >= low)) low = gap; });
      return low; },
    title_model_probability_of_category: function (f, v, cat, fit) { return fit[0]; },
    title_model_log_odds_best_over_placed: function (f, v, cat, fit) {
      var m = Math.log(fit[1] + C.fit_eps) - Math.log(fit[0] + C.fit_eps);
      return known(m) ? Math.max(m, 0) : NaN; },
    yes_no: function (f, v) { return v[f.inputs[0]]; },
    yes_no_else_measured_from_image: function (f, v) { return v[f.inputs[0]]; },
    identity: function (f, v) { return v[f.inputs[0]]; },
    days_before_reference_date: function (f, v, cat, fit, card) {
      return n(card.features[f.name]); },
    log_where_no_monthly_sales: function (f, v, cat, fit, card) {
      return known(v.monthly_sales) ? NaN : n(card.features[f.name]); }
  };
  function fitOf(card, cat) {
    var fit = card.fits[cat] || [null, null, null];
    return [n(fit[0]), n(fit[1]), fit[2]];
  }
  function term(j, x) {
    var k = M.knots[j], s = M.shapes[j];
    if (!known(x) || !isFinite(x)) return s[s.length - 1];
    if (k.length === 0) return 0;
    if (x <= k[0]) return s[0];
    if (x >= k[k.length - 1]) return s[k.length - 1];
    var i = 0;
    while (x >= k[i + 1]) i++;
    return s[i] + (x - k[i]) * (s[i + 1] - s[i]) / (k[i + 1] - k[i]);
  }
  function toWeight(raw) { return 100 / (1 + Math.exp(-(raw - M.center) / M.scale)); }
  function evaluate(card, v, fit) {
    var cat = v.category, features = {}, terms = {}, raw = M.intercept;
    FEATURES.forEach(function (f) {
      var x = T[f.transform](f, v, cat, fit, card);
      features[f.name] = isFinite(x) ? x : NaN;
    });
    M.features.forEach(function (name, j) {
      terms[name] = term(j, features[name]); raw += terms[name]; });
    return { v: v, fit: fit, features: features, terms: terms, raw: raw,
             weight: toWeight(raw) };
  }
  function typical(name, cat) {
    var i = P.categories.indexOf(cat), t = i < 0 ? NaN : n(P.typical[name][i]);
    return known(t) ? t : n(P.typical_overall[name]);
  }
  function waterfall(s) {
    var deltas = {}, total = 0;
    FACTORS.forEach(function (factor) { deltas[factor] = 0; });
    FEATURES.forEach(function (f) {
      if (f.factor in deltas) {
        var d = s.terms[f.name] - typical(f.name, s.v.category);
        deltas[f.factor] += d; total += d; }
    });
    var order = FACTORS.slice().sort(function (a, b) {
      return Math.abs(deltas[b]) - Math.abs(deltas[a]); });
    var level = s.raw - total, start = toWeight(level), steps = [];
    order.forEach(function (factor) {
      var before = toWeight(level); level += deltas[factor];
      steps.push([factor, toWeight(level) - before]); });
    return { start: start, steps: steps };
  }
  function past(cliff, x) {
    if (!known(x)) return false;
    return cliff.direction >= 0 ? x <= cliff.threshold : x > cliff.threshold;
  }
  function cost(s, cliffs) {
    var lift = 0;
    cliffs.forEach(function (c) {
      var j = M.features.indexOf(c.feature);
      lift += Math.max(c.cleared - term(j, s.features[c.feature]), 0); });
    return toWeight(s.raw + lift) - s.weight;
  }
  function size(cat) {
    var i = P.categories.indexOf(cat); return i < 0 ? 0 : P.sizes[i]; }
  function judged(cat, fit) {
    return fit[2] !== null && fit[2] !== cat && size(cat) >= C.min_category_evidence &&
      size(fit[2]) >= C.min_category_evidence;
  }
  function relative(kind, diff, fields) {
    var side = Math.round(diff * 100) === 0 ? "level" : (diff < 0 ? "below" : "above");
    fields.gap = Math.abs(diff);
    return fmt(W["blocker." + kind + "_" + side], fields);
  }
  function blockers(s) {
    var out = [], dsr = P.cliffs.dsr || [], cat = P.cliffs.category_fit || [];
    var lowest = s.features.dsr_min_gap;
    if (dsr.length && past(dsr[0], lowest) && lowest < 0) {
      var paid = cost(s, dsr);
      ["dsr_description", "dsr_service", "dsr_logistics"].forEach(function (name) {
        var mean = center(name, s.v.category), line = mean + dsr[0].threshold;
        if (known(s.v[name]) && s.v[name] <= line) {
          out.push({ factor: "dsr", cost: paid, message: fmt(W["blocker.dsr"], {
            name: name, value: s.v[name],
            position: relative("position", s.v[name] - mean, { mean: mean }),
            cliff: relative("cliff", dsr[0].threshold, {}) }) });
        }
      });
    }
    var fit = s.fit;
    if (cat.length && judged(s.v.category, fit) && fit[1] >= C.misfit_odds * fit[0] &&
        fit[0] <= C.misfit_max_fit) {
      out.push({ factor: "category_fit", cost: cost(s, cat), message: fmt(
        W["blocker.category_fit"], { best: fit[2], best_p: fit[1],
          placed: s.v.category, placed_p: fit[0] }) });
    }
    return out;
  }
  function predicted(seen, w) {
    var above = 0; seen.rivals.forEach(function (r) { if (r > w) above++; });
    return 1 + above;
  }
  function expectedRank(seen, now, w) {
    var after = predicted(seen, w);
    if (seen.observed === null) return after;
    return Math.max(1, seen.observed - (predicted(seen, now) - after));
  }
  // ---- the eight default fixes, as ranking.explain.fixes applies them
  function targetsOf(cat) {
    var i = P.categories.indexOf(cat), t = {};
    Object.keys(P.targets).forEach(function (name) {
      var x = i < 0 ? NaN : n(P.targets[name][i]);
      t[name] = known(x) ? x : n(P.fallback_targets[name]); });
    return t;
  }
  // numpy's fmax and fmin: a NaN loses to a number.
  function fmax(a, b) { return known(a) ? (known(b) ? Math.max(a, b) : a) : b; }
  function fmin(a, b) { return known(a) ? (known(b) ? Math.min(a, b) : a) : b; }
  function raise(x, target) { return known(x) ? fmax(x, target) : x; }
  function scaleGmv(v, old) {
    if (!("gmv" in v)) return;
    var ratio = old > 0 ? v.monthly_sales / old : NaN;
    var g = v.gmv * ratio;
    if (!known(g)) g = v.gmv + (v.monthly_sales - old) * v.price;
    if (!known(g)) g = v.gmv;
    v.gmv = g;
  }
  var FIX = {
    monthly_sales: function (v, t) {
      if (!(v.monthly_sales < t.monthly_sales)) return false;
      var old = v.monthly_sales; v.monthly_sales = raise(old, t.monthly_sales);
      scaleGmv(v, old); return true; },
    payer_count: function (v, t) {
      if (!(v.payer_count < t.payer_count)) return false;
      v.payer_count = raise(v.payer_count, t.payer_count);
      if ("monthly_sales" in v) {
        var old = v.monthly_sales;
        if (known(old)) v.monthly_sales = Math.max(old, v.payer_count);
        scaleGmv(v, old); }
      return true; },
    favorites_cart: function (v, t) {
      var fav = Math.ceil(t.favorite_rate * v.visitors);
      var cart = Math.ceil(t.cart_rate * v.visitors);
      if (!(v.favorites < fav || v.add_to_cart < cart)) return false;
      v.favorites = raise(v.favorites, fav); v.add_to_cart = raise(v.add_to_cart, cart);
      return true; },
    review_quality: function (v, t) {
      var r = v.review_count;
      var rating = raise(v.avg_rating, t.avg_rating);
      var neg = v.negative_reviews, photo = v.photo_reviews;
      neg = known(neg) ? fmin(neg, Math.floor(t.negative_share * r)) : NaN;
      photo = known(photo) ? fmax(photo, fmin(r, Math.ceil(t.photo_share * r))) : NaN;
      if (!(rating > v.avg_rating || neg < v.negative_reviews ||
            photo > v.photo_reviews)) return false;
      if ("avg_rating" in v) v.avg_rating = rating;
      if ("negative_reviews" in v) v.negative_reviews = neg;
      if ("photo_reviews" in v) v.photo_reviews = photo;
      return true; },
    dsr: function (v, t) {
      var names = ["dsr_description", "dsr_service", "dsr_logistics"];
      if (!names.some(function (c) { return v[c] < t[c]; })) return false;
      names.forEach(function (c) { if (c in v) v[c] = raise(v[c], t[c]); });
      return true; },
    category_fit: function (v, t, state) {
      if (!judged(v.category, state.fit)) return false;
      v.category = state.fit[2];
      state.fit = [state.fit[1], state.fit[1], state.fit[2]];
      return true; },
    main_video: function (v) {
      if (v.has_main_video === 1) return false; v.has_main_video = 1; return true; },
    white_bg_image: function (v) {
      if (v.has_white_bg_image === 1) return false; v.has_white_bg_image = 1;
      return true; }
  };
  function withFixes(card, values, fixes) {
    var v = Object.assign({}, values), state = { fit: fitOf(card, values.category) };
    var applied = [], targets = null;
    P.fix_order.forEach(function (factor) {
      if (fixes.indexOf(factor) < 0) return;
      if (targets === null) targets = targetsOf(v.category);
      if (FIX[factor](v, targets, state)) {
        applied.push(factor);
        if (factor === "category_fit") targets = null;
      }
    });
    return { applied: applied, state: evaluate(card, v, state.fit) };
  }
  function effortOf(set) {
    return set.reduce(function (a, f) { return a + P.effort[f]; }, 0); }
  function subsets(factors) {
    var out = [[]];
    factors.forEach(function (f) {
      out = out.concat(out.map(function (s) { return s.concat([f]); })); });
    var order = P.fix_order;
    out.forEach(function (s) { s.sort(function (a, b) {
      return order.indexOf(a) - order.indexOf(b); }); });
    return out.sort(function (a, b) {
      var d = Math.round(effortOf(a) * 1e9) - Math.round(effortOf(b) * 1e9);
      if (d) return d;
      if (a.length !== b.length) return a.length - b.length;
      for (var i = 0; i < a.length; i++) {
        var e = order.indexOf(a[i]) - order.indexOf(b[i]); if (e) return e; }
      return 0; });
  }
  function plans(card, values, now) {
    var fixable = P.fix_order.filter(function (f) {
      return withFixes(card, values, [f]).applied.length > 0; });
    if (fixable.indexOf("category_fit") >= 0) {
      withFixes(card, values, P.fix_order).applied.forEach(function (f) {
        if (fixable.indexOf(f) < 0) fixable.push(f); });
      fixable.sort(function (a, b) {
        return P.fix_order.indexOf(a) - P.fix_order.indexOf(b); });
    }
    var tried = [];
    subsets(fixable).forEach(function (set) {
      if (!set.length) { tried.push([set, evaluate(card, values,
        fitOf(card, values.category)).weight]); return; }
      var done = withFixes(card, values, set);
      if (done.applied.length === set.length) tried.push([set, done.state.weight]);
    });
    return card.keywords.map(function (seen) {
      var best = null;
      for (var i = 0; i < tried.length; i++) {
        var rank = expectedRank(seen, now, tried[i][1]);
        if (rank <= TOP) return { seen: seen, reached: true, set: tried[i][0],
          weight: tried[i][1], rank: rank };
        if (best === null || rank < best.rank) best = { seen: seen, reached: false,
          set: tried[i][0], weight: tried[i][1], rank: rank };
      }
      return best;
    });
  }
  // ---- reading the inputs, as the CLI reads a --what-if value
  function readNumber(text) {
    var t = text.replace(/[,\s¥￥$]/g, ""), scale = 1;
    if (/%$/.test(t)) { scale = 0.01; t = t.slice(0, -1); }
    else if (/(万|w|W)$/.test(t)) { scale = 1e4; t = t.slice(0, -1); }
    else if (/亿$/.test(t)) { scale = 1e8; t = t.slice(0, -1); }
    else if (/(k|K)$/.test(t)) { scale = 1e3; t = t.slice(0, -1); }
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return NaN;
    return parseFloat(t) * scale;
  }
  var YES = ["1", "yes", "y", "true", "是", "有", W["value.yes"].toLowerCase()];
  var NO = ["0", "no", "n", "false", "否", "无", W["value.no"].toLowerCase()];
  function read(name, kind, written) {
    var text = written.trim();
    var words = { name: name, written: text, wan: "1.2万", shi_fou: "是/否, 有/无" };
    function fail(key) { words.value = text; throw new Error(fmt(W[key], words)); }
    if (kind === "text") return text;
    words.allowed = fmt(W["whatif.allowed." + kind] || "", words);
    if (text === "") fail("whatif.empty");
    if (kind === "bool") {
      var low = text.toLowerCase();
      if (YES.indexOf(low) >= 0) return 1;
      if (NO.indexOf(low) >= 0) return 0;
      fail("whatif.bad_yes_no");
    }
    var x = readNumber(text);
    if (!known(x)) fail("whatif.bad_number");
    words.value = x;
    if (kind === "count" || kind === "money") {
      if (x < 0) fail(kind === "count" ? "whatif.bad_count" : "whatif.bad_amount");
      if (x > 1e12) fail("whatif.bad_big");
    } else if (kind === "score" || kind === "dsr") {
      if (x === 0) fail("whatif.empty");
      if (kind === "dsr" && x > 100 && x <= 500) x = x / 100;
      if (x < 1 || x > 5) {
        words.hint = x > 10 && x <= 50 ? W["whatif.hint_10"] :
          (x > 100 && x <= 500 ? W["whatif.hint_100"] : "");
        fail("whatif.bad_rating");
      }
    } else if (kind === "share") {
      if (x < 0 || x > 1) fail("whatif.bad_share");
    }
    return x;
  }
  // ---- drawing
  function width(text) {
    var w = 0;
    for (var i = 0; i < text.length; i++) w += text.charCodeAt(i) > 0x1100 ? 2 : 1;
    return w;
  }
  function esc(t) {
    return String(t).replace(/&/g, "&amp;").replace(/</g, "&lt;")
      .replace(/>/g, "&gt;").replace(/"/g, "&quot;"); }
  function drawWaterfall(fall) {
    var names = [W["report.typical"]].concat(fall.steps.map(function (s) {
      return W.factors[s[0]] || s[0]; }), [W["report.this_listing"]]);
    var room = Math.max.apply(null, names.map(width)) * 6.6 + 10;
    var span = 560 - room - 52, rowH = 22, body = [];
    function x(w) { return room + span * Math.min(Math.max(w, 0), 100) / 100; }
    var level = fall.start, rows = [[names[0], 0, level, "#9e9e9e"]];
    fall.steps.forEach(function (s, k) {
      rows.push([names[k + 1], level, level + s[1], s[1] >= 0 ? "#2e7d32" : "#c62828"]);
      level += s[1]; });
    rows.push([names[names.length - 1], 0, level, "#1565c0"]);
    rows.forEach(function (r, k) {
      var y = k * rowH, left = Math.min(x(r[1]), x(r[2]));
      var right = Math.max(x(r[1]), x(r[2]));
      var inner = k > 0 && k < rows.length - 1, edge = inner ? r[2] - r[1] : r[2];
      body.push('<text x="' + (room - 8).toFixed(1) + '" y="' + (y + 15) +
        '" font-size="12" fill="#212121" text-anchor="end">' + esc(r[0]) + "</text>");
      body.push('<rect x="' + left.toFixed(1) + '" y="' + (y + 4) + '" width="' +
        Math.max(right - left, 1).toFixed(1) + '" height="' + (rowH - 8) + '" fill="' +
        r[3] + '"/>');
      body.push('<text x="' + (right + 6).toFixed(1) + '" y="' + (y + 15) +
        '" font-size="12" fill="#212121">' + (inner ? fmt("{x:+.1f}", { x: edge }) :
        edge.toFixed(1)) + "</text>");
    });
    return '<svg xmlns="http://www.w3.org/2000/svg" width="560" height="' +
      rows.length * rowH + '" viewBox="0 0 560 ' + rows.length * rowH +
      '" role="img" aria-label="' + esc(W["report.waterfall"]) + '">' + body.join("") +
      "</svg>";
  }
  function planText(p) {
    var fixes = p.set.length ? p.set.map(function (f) { return W.factors[f]; })
      .join(W["list.join"]) : W["whatif.no_fix"];
    var fields = { keyword: p.seen.keyword, top: TOP, fixes: fixes,
      effort: effortOf(p.set), weight: p.weight, rank: p.rank };
    if (p.reached && !p.set.length) return fmt(W["whatif.card_already"], fields);
    return fmt(W[p.reached ? "whatif.card_reached" : "whatif.card_unreached"], fields);
  }
  function setUp(box) {
    var card = JSON.parse(box.querySelector("script.whatif-card").textContent);
    var root = box.closest("[data-listing]");
    var inputs = Array.prototype.slice.call(box.querySelectorAll("[data-signal]"));
    var error = box.querySelector("[data-error]");
    function update() {
      var v = Object.assign({}, card.values), problems = [];
      Object.keys(v).forEach(function (k) { if (k !== "category") v[k] = n(v[k]); });
      inputs.forEach(function (input) {
        var name = input.dataset.signal;
        try {
          v[name] = read(name, P.kinds[name], input.value);
          input.removeAttribute("aria-invalid");
        } catch (e) {
          input.setAttribute("aria-invalid", "true"); problems.push(e.message); }
      });
      error.textContent = problems.join(" · ");
      if (problems.length) return;
      var s = evaluate(card, v, fitOf(card, v.category));
      root.querySelector("[data-weight]").textContent = s.weight.toFixed(1);
      root.dataset.weightExact = String(s.weight);
      var changed = inputs.some(function (i) { return i.value !== i.dataset.today; });
      var note = root.querySelector("[data-today-note]");
      if (note) note.textContent = changed ?
        fmt(W["whatif.today"], { weight: card.weight }) : "";
      var steps = waterfall(s), blocked = blockers(s), ranks = {};
      var fall = root.querySelector("[data-waterfall]");
      if (fall) fall.innerHTML = drawWaterfall(steps);
      var list = root.querySelector("[data-blockers]");
      if (list) list.innerHTML = blocked.map(function (b) {
        return '<li class="blocker">' + esc(W.factors[b.factor]) + " −" +
          b.cost.toFixed(1) + ": " + esc(b.message) + "</li>"; }).join("");
      card.keywords.forEach(function (seen) {
        ranks[seen.keyword] = expectedRank(seen, card.weight, s.weight);
        box.querySelectorAll("[data-rank]").forEach(function (cell) {
          if (cell.dataset.rank === seen.keyword)
            cell.textContent = ranks[seen.keyword]; });
      });
      // The numbers as data, for tools reading the page (and its tests).
      root.dataset.result = JSON.stringify({ weight: s.weight, waterfall: steps,
        blockers: blocked.map(function (b) { return [b.factor, b.cost]; }),
        ranks: ranks });
      var plan = box.querySelector("[data-plan]");
      plan.innerHTML = plans(card, v, card.weight).map(function (p) {
        return "<p>" + esc(planText(p)) + "</p>"; }).join("");
    }
    inputs.forEach(function (input) {
      input.addEventListener("input", update);
      input.addEventListener("change", update);
    });
    box.querySelector("[data-reset]").addEventListener("click", function () {
      inputs.forEach(function (input) { input.value = input.dataset.today; });
      update();
    });
    update();
  }
  document.querySelectorAll(".whatif").forEach(setUp);
})();
