"""Words for people, in Chinese and English: the one translation table.

Everything a command writes for a person — the audit card, ``check``,
``diff``, ``evaluate``, ``train``, the report, the Excel headers ``score``
adds, the drift warning, fix actions and blocker messages — is looked up here
by key, so a sentence exists in both languages or in neither (a test walks the
table). JSON keys, factor names and the spec's output column names stay
English; the texts inside them follow ``--lang``.

Chinese names of signals are headers real back offices write (each is one of
:mod:`ranking.reading.schema`'s aliases, checked by a test), so a seller reads the
words of their own export.

>>> say("audit.no_fix", "zh")
'没有能提升这个商品权重的修复'
>>> factor_word("main_video", "zh"), factor_word("main_video", "en")
('主图视频', 'main_video')
"""

from __future__ import annotations

import os
from collections.abc import Mapping

LANGUAGES = ("zh", "en")

#: Where the language is read from, first set wins: GNU gettext's order, as
#: Python's ``gettext.find`` reads it.
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def default_language(environ: Mapping[str, str] = os.environ) -> str:
    """``zh`` when the locale is Chinese (``zh_CN.UTF-8``, ``zh_TW``, ...),
    else ``en``.

    >>> default_language({"LANG": "zh_CN.UTF-8"}), default_language({})
    ('zh', 'en')
    >>> default_language({"LANGUAGE": "en_US:zh_CN", "LANG": "zh_CN.UTF-8"})
    'en'
    """
    for name in LOCALE_VARIABLES:
        value = environ.get(name, "")
        if value:
            first = value.split(":")[0].lower()
            return "zh" if first.startswith("zh") else "en"
    return "en"


#: key → (English, Chinese); ``{fields}`` are filled by :func:`say`.
TEXT: dict[str, tuple[str, str]] = {
    # ---------------------------------------------------------------- factors
    "factor.monthly_sales": ("monthly_sales", "月销量"),
    "factor.payer_count": ("payer_count", "支付买家数"),
    "factor.favorites_cart": ("favorites_cart", "收藏加购"),
    "factor.review_quality": ("review_quality", "评价质量"),
    "factor.dsr": ("dsr", "店铺DSR"),
    "factor.category_fit": ("category_fit", "类目匹配"),
    "factor.main_video": ("main_video", "主图视频"),
    "factor.white_bg_image": ("white_bg_image", "白底图"),
    "factor.other": ("other", "其他"),
    "factor.model": ("model", "模型"),
    # A fix in plain words, as the xlsx and the report say it.
    "fix.monthly_sales": (
        "raise monthly sales to the category's 75th percentile",
        "月销量提升到类目75分位",
    ),
    "fix.payer_count": (
        "win paying buyers up to the category's 75th percentile",
        "支付买家数提升到类目75分位",
    ),
    "fix.favorites_cart": (
        "raise favourite and add-to-cart rates to the category's 75th percentile",
        "收藏率和加购率提升到类目75分位",
    ),
    "fix.review_quality": (
        "lift ratings and buyer photos, cut negative reviews",
        "提高评分和买家秀，减少差评",
    ),
    "fix.dsr": (
        "raise the shop's DSR to the category's 75th percentile",
        "店铺DSR提升到类目75分位",
    ),
    "fix.category_fit": (
        "move it to the category its title fits",
        "移到标题所属的类目",
    ),
    "fix.main_video": ("add a main video", "添加主图视频"),
    "fix.white_bg_image": ("add a white-background image", "添加白底图"),
    # ---------------------------------------------------------------- signals
    "signal.monthly_sales": ("monthly_sales", "月销量"),
    "signal.payer_count": ("payer_count", "支付买家数"),
    "signal.gmv": ("gmv", "坑产"),
    "signal.price": ("price", "价格"),
    "signal.visitors": ("visitors", "访客数"),
    "signal.page_views": ("page_views", "浏览量"),
    "signal.search_visitors": ("search_visitors", "搜索访客数"),
    "signal.favorites": ("favorites", "收藏人数"),
    "signal.add_to_cart": ("add_to_cart", "加购人数"),
    "signal.review_count": ("review_count", "评价数"),
    "signal.avg_rating": ("avg_rating", "评分"),
    "signal.negative_reviews": ("negative_reviews", "差评数"),
    "signal.photo_reviews": ("photo_reviews", "买家秀"),
    "signal.qa_count": ("qa_count", "问大家"),
    "signal.dsr_description": ("dsr_description", "描述相符"),
    "signal.dsr_service": ("dsr_service", "服务态度"),
    "signal.dsr_logistics": ("dsr_logistics", "物流服务"),
    "signal.has_main_video": ("has_main_video", "主图视频"),
    "signal.has_white_bg_image": ("has_white_bg_image", "白底图"),
    "signal.main_image": ("main_image", "主图"),
    "signal.listed_at": ("listed_at", "上架时间"),
    "signal.refund_rate": ("refund_rate", "退款率"),
    "signal.category": ("category", "类目"),
    "signal.title": ("title", "商品标题"),
    # ---------------------------------------------------------------- values
    "value.unknown": ("unknown", "未知"),
    "value.yes": ("yes", "是"),
    "value.no": ("no", "否"),
    "value.none": ("(none)", "（无）"),
    # ----------------------------------------------------------------- audit
    "audit.headline": (
        "category {category}   weight {weight:.1f} / 100   category percentile "
        "{percentile:.0f}",
        "类目 {category}   权重 {weight:.1f} / 100   类目内百分位 {percentile:.0f}",
    ),
    "audit.unknown": ("unknown: {signals}", "导出中没有: {signals}"),
    "audit.note": ("note: {note}", "说明: {note}"),
    "audit.blockers": (
        "BLOCKERS (weight each one costs)",
        "降权项（每项损失的权重）",
    ),
    "audit.factor": ("factor", "因素"),
    "audit.value": ("value", "数值"),
    "audit.p75": ("category p75", "类目75分位"),
    "audit.contribution": ("contribution", "贡献"),
    "audit.fix_first": ("FIX FIRST (by {order})", "优先修复（按{order}排序）"),
    "audit.by_gain": ("expected gain", "预计提升"),
    "audit.by_effort": ("gain per effort", "单位投入的提升"),
    "audit.no_fix": (
        "no fix raises this listing's weight",
        "没有能提升这个商品权重的修复",
    ),
    "audit.keywords": (
        "KEYWORDS (observed rank → expected rank after each fix)",
        "关键词（观察到的排名 → 各项修复后的预计排名）",
    ),
    "audit.keyword_line": ("now {rank} of {of}", "现排 {rank} / {of}"),
    "audit.what_if": (
        "WHAT IF {changes}: weight {weight:.1f} ({gain:+.1f}), {percentile:.0f}th "
        "percentile",
        "假如 {changes}: 权重 {weight:.1f}（{gain:+.1f}），类目内百分位 "
        "{percentile:.0f}",
    ),
    # Blocker messages and fix actions, with the listing's own numbers.
    "blocker.dsr": (
        "{name} {value:.2f} is {position}, past the cliff the model learned {cliff}",
        "{name} {value:.2f}，{position}，越过了模型学到的断崖（{cliff}）",
    ),
    "blocker.position_below": (
        "{gap:.2f} below the category average {mean:.2f}",
        "比类目均值 {mean:.2f} 低 {gap:.2f}",
    ),
    "blocker.position_above": (
        "{gap:.2f} above the category average {mean:.2f}",
        "比类目均值 {mean:.2f} 高 {gap:.2f}",
    ),
    "blocker.position_level": (
        "level with the category average {mean:.2f}",
        "与类目均值 {mean:.2f} 持平",
    ),
    "blocker.cliff_below": ("{gap:.2f} below the average", "均值以下 {gap:.2f}"),
    "blocker.cliff_above": ("{gap:.2f} above the average", "均值以上 {gap:.2f}"),
    "blocker.cliff_level": ("level with the average", "与均值持平"),
    "blocker.category_fit": (
        "the title fits {best} (p={best_p:.2f}) rather than {placed} "
        "(p={placed_p:.2f})",
        "标题更像 {best}（p={best_p:.2f}），而不是 {placed}（p={placed_p:.2f}）",
    ),
    "audit.title_not_judged": (
        "title fit not judged: the title reads like {best}, but {placed} has "
        "{placed_n} and {best} {best_n} listings in this export; {needed} each "
        "are needed to tell",
        "未判断标题与类目是否匹配: 标题像 {best}，但本导出中 {placed} 有 "
        "{placed_n} 个商品、{best} 有 {best_n} 个，各需 {needed} 个才能判断",
    ),
    "action.raise": ("raise {label} from {old} to {new}", "{label}从 {old} 提到 {new}"),
    "action.cut": ("cut {label} from {old} to {new}", "{label}从 {old} 降到 {new}"),
    "action.move": ("move it from {old} to {new}", "从 {old} 移到 {new}"),
    "action.unsaid": (
        " (the export does not say whether it has one)",
        "（导出未说明是否已有）",
    ),
    "action.p75": (" (category 75th percentile)", "（类目75分位）"),
    "action.label.monthly_sales": ("monthly sales", "月销量"),
    "action.label.payer_count": ("paying buyers", "支付买家数"),
    "action.label.favorites": ("favourites", "收藏人数"),
    "action.label.add_to_cart": ("add-to-cart", "加购人数"),
    "action.label.avg_rating": ("the rating", "评分"),
    "action.label.negative_reviews": ("negative reviews", "差评数"),
    "action.label.photo_reviews": ("buyer-photo reviews", "买家秀"),
    "action.label.dsr_description": ("dsr_description", "描述相符"),
    "action.label.dsr_service": ("dsr_service", "服务态度"),
    "action.label.dsr_logistics": ("dsr_logistics", "物流服务"),
    "list.join": ("; ", "；"),
    # ------------------------------------------------ notes made while reading
    "note.set": (
        "--set {name}={value}: every listing",
        "--set {name}={value}: 每个商品都用这个值",
    ),
    "note.period_unread": (
        "{name}: {count} cell(s) not read as a date or a window: their window is "
        "unknown",
        "{name}: {count} 个单元格既不是日期也不是时间段，窗口未知",
    ),
    "note.zeros": (
        "{name}: {count} zero values read as unknown (no score yet)",
        "{name}: {count} 个 0 值按未知处理（还没有评分）",
    ),
    "note.hundredfold": (
        "{name}: written ×100, read as {first:g} → {read:g}",
        "{name}: 按 ×100 写入，{first:g} 读作 {read:g}",
    ),
    "note.derived": ("derived: {how}", "推算: {how}"),
    "note.category_path": ("category = the path {levels}", "类目 = 路径 {levels}"),
    "note.price": ("price = gmv / monthly_sales", "价格 = 支付金额 / 支付件数"),
    "note.refund_rate": (
        "refund_rate = {refunded} / gmv",
        "退款率 = {refunded} / 支付金额",
    ),
    "note.id_choice": (
        "listing_id is '{chosen}' ({tier}, ranked first); passed through: {passed}",
        "listing_id 取 '{chosen}'（{tier}，优先）；原样保留: {passed}",
    ),
    "note.decimal_comma": (
        "decimal commas (5.255,61 = 5255.61) in: {columns}",
        "以逗号为小数点（5.255,61 = 5255.61）的列: {columns}",
    ),
    "note.merged": (
        "{count} row(s) repeat a child ASIN (one per SKU or parent): merged into "
        "their listing{how}",
        "{count} 行重复了同一个子 ASIN（每个 SKU 或父体一行）: 已合并到对应商品{how}",
    ),
    "note.summed": (", units and sales summed", "，件数和销售额相加"),
    "note.of_parts": ("{first}{then}", "{first}{then}"),
    "note.once": (
        ", sessions and page views taken once where repeated",
        "，重复的会话数和浏览量只取一次",
    ),
    "note.from_other": (
        "{name}: from {header}; derived from {file} where that file has none",
        "{name}: 取自 {header}；{file} 中没有时由它推算",
    ),
    "note.of_file": ("{file}: {note}", "{file}: {note}"),
    "note.twin": (
        "{name}: '{read}' and '{twin}' agree on every row; '{read}' is read",
        "{name}: '{read}' 和 '{twin}' 每行都一致；读取 '{read}'",
    ),
    "note.folded": (
        "{count} row(s) repeat a listing on another keyword (or twice on one "
        "page): one listing each, its signals from its first row ({differ} "
        "listing(s) whose rows differ)",
        "{count} 行是同一商品出现在另一个关键词下（或同一页出现两次）: 算作一个商品，"
        "信号取它的第一行（{differ} 个商品的各行不一致）",
    ),
    "note.differ": (
        "{name}: {count} listing(s) differ between {first} and {other}; the first "
        "file's are used",
        "{name}: {count} 个商品在 {first} 和 {other} 中不同；以第一个文件为准",
    ),
    # ----------------------------------------------------------------- check
    "check.kept": (
        "{file}: {rows:,} rows kept, {rejects:,} rejected",
        "{file}: 保留 {rows:,} 行，拒收 {rejects:,} 行",
    ),
    "check.aside": (
        ", {count:,} set aside (not listings)",
        "，另有 {count:,} 行不是商品（已搁置）",
    ),
    "check.encoding": (
        " (encoding {encoding}, header on row {row})",
        "（编码 {encoding}，表头在第 {row} 行）",
    ),
    "check.header": (" (header on row {row})", "（表头在第 {row} 行）"),
    "check.looks_like": (
        "{file} looks like: {platform}",
        "{file} 看起来是: {platform}",
    ),
    "check.no_platform": ("no back-office export we know", "不是已知的后台导出"),
    "check.coverage": (
        "files joined on listing_id (share of the catalog's listings in each):",
        "按 listing_id 合并的文件（各文件覆盖的商品占比）:",
    ),
    "check.columns": ("columns read:", "读到的列:"),
    "check.passthrough": ("passed through unchanged: {columns}", "原样保留: {columns}"),
    "check.unknown": (
        "unknown signals (not in this export): {signals}",
        "本导出缺少的信号: {signals}",
    ),
    "check.none": ("none", "无"),
    "check.judged": (
        "factors it lets the tool judge: {factors}",
        "可以判断的因素: {factors}",
    ),
    "check.not_judged": (
        "  not judged: {factor} — usually in {where}",
        "  无法判断: {factor} — 通常在 {where}",
    ),
    "check.a_column_of": ("a column of {columns}", "{columns} 列"),
    "check.rejected": ("rejected rows{first}:", "拒收的行{first}:"),
    "check.first": (" (first {count})", "（前 {count} 行）"),
    "check.set_aside": (
        "set aside (totals and sub-table rows; not scored):",
        "搁置的行（合计行和子表行，不打分）:",
    ),
    "check.category": ("category", "类目"),
    "check.listings": ("listings", "商品数"),
    "check.median": ("median {name}", "{name}中位数"),
    "check.rejects_told": (
        "{count} row(s) rejected; reasons in {file}",
        "拒收 {count} 行；原因见 {file}",
    ),
    "check.rejects_untold": (
        "{count} row(s) rejected (--rejects FILE keeps them)",
        "拒收 {count} 行（用 --rejects FILE 保存）",
    ),
    # ---------------------------------------------------------- train/evaluate
    "metrics.ordering": ("ordering", "排序依据"),
    "metrics.model": ("model", "模型"),
    "metrics.by": ("by {name}", "按{name}"),
    "metrics.at_training": ("model at training (held out)", "训练时的模型（留出集）"),
    "train.trained": (
        "trained on {rows:,} listings, label {label}; {held}",
        "用 {rows:,} 个商品训练，标签 {label}；{held}",
    ),
    "train.held_groups": (
        "held out: {held} of {groups} keyword groups",
        "留出 {groups} 个关键词组中的 {held} 个",
    ),
    "train.held_listings": ("held out: {held} listings", "留出 {held} 个商品"),
    "train.cv": (
        "complexity chosen by {folds}-fold cross-validation over keyword groups: "
        "{knots} knots a feature, smoothness {alpha:g}; left out: {dropped}",
        "复杂度由按关键词组的 {folds} 折交叉验证选定: 每个特征 {knots} 个节点，"
        "平滑度 {alpha:g}；未使用: {dropped}",
    ),
    "trust.better": (
        "trust: the model ranks held-out keywords better than ordering by any "
        "one signal",
        "可信度: 在留出的关键词上，模型排序优于任何单一指标",
    ),
    "trust.not_better": (
        "trust: the model is NOT clearly better than ordering by {signal} alone — "
        "read its weights as a guide, not a measurement",
        "可信度: 模型并不明显优于只按{signal}排序 — 权重只作参考，不是测量",
    ),
    "trust.worse": (
        "trust: the model ranks WORSE than ordering by {signal} alone — order by "
        "{signal} instead, or retrain on more keywords",
        "可信度: 模型排序不如只按{signal}排序 — 请改按{signal}排序，"
        "或用更多关键词重新训练",
    ),
    "trust.too_few": (
        "trust: too few keyword groups to tell whether the model beats ordering "
        "by {signal} alone (fewer than 10 held out) — collect more keywords",
        "可信度: 关键词组太少（留出不足 10 个），"
        "无法判断模型是否优于只按{signal}排序 — 请收集更多关键词",
    ),
    "trust.gain": (
        "  vs {signal} over {groups} keyword groups: NDCG@10 {ndcg:+.3f} "
        "({ndcg_low:+.3f} … {ndcg_high:+.3f}), Spearman {rho:+.3f} "
        "({rho_low:+.3f} … {rho_high:+.3f}), 95% intervals",
        "  对比按{signal}排序（{groups} 个关键词组）: NDCG@10 {ndcg:+.3f}"
        "（{ndcg_low:+.3f} … {ndcg_high:+.3f}），Spearman {rho:+.3f}"
        "（{rho_low:+.3f} … {rho_high:+.3f}），95% 区间",
    ),
    "train.blockers": (
        "blockers learned (where a shape falls off a cliff):",
        "学到的降权线（曲线断崖处）:",
    ),
    "train.written": ("model written to {path}", "模型已写入 {path}"),
    "train.new_better": ("the new model is better", "新模型更好"),
    "train.in_use_better": ("the model in use is better", "在用的模型更好"),
    "train.tie": ("the two models tie", "两个模型持平"),
    "train.comparison": (
        "{verdict}: {metric} {new:.3f} (new) vs {in_use:.3f} (in use), difference "
        "{difference:+.3f}",
        "{verdict}: {metric} 新 {new:.3f}，在用 {in_use:.3f}，差 {difference:+.3f}",
    ),
    "cliff.none": (
        "  {feature:12} ({factor}): no cliff; raises no blocker",
        "  {feature:12} ({factor}): 没有断崖，不设降权项",
    ),
    "cliff.at": (
        "  {feature:12} ({factor}): {side} {threshold:+.3f} (cliff over {low:+.3f} "
        "… {high:+.3f}), costs {cost:.1f} weight points at the median listing",
        "  {feature:12} ({factor}): {side} {threshold:+.3f}（断崖在 {low:+.3f} … "
        "{high:+.3f}），中位商品损失 {cost:.1f} 权重分",
    ),
    "cliff.over": (
        "  {feature:12} ({factor}): cliff over {low:+.3f} … {high:+.3f}, costs "
        "{cost:.1f} weight points at the median listing",
        "  {feature:12} ({factor}): 断崖在 {low:+.3f} … {high:+.3f}，中位商品损失 "
        "{cost:.1f} 权重分",
    ),
    "cliff.at_or_below": ("at or below", "不高于"),
    "cliff.above": ("above", "高于"),
    "evaluate.groups": (
        "{groups} keyword groups, {observations:,} observations; model {model}",
        "{groups} 个关键词组，{observations:,} 条观察；模型 {model}",
    ),
    "evaluate.stale": (
        "stale: on these ranks the model no longer beats ordering by monthly "
        "sales — retrain on fresh exports: {command}",
        "模型已过时: 在这些排名上它已不如按月销量排序 — 用新的导出重新训练: {command}",
    ),
    # ----------------------------------------------------------------- score
    "score.done": (
        "{rows:,} listings scored → {output} ({blocked:,} with blockers)",
        "已为 {rows:,} 个商品打分 → {output}（{blocked:,} 个有降权项）",
    ),
    "score.rejects": (
        "{count} row(s) rejected{aside}; reasons in {file}",
        "拒收 {count} 行{aside}；原因见 {file}",
    ),
    "score.aside": (
        ", {count} set aside (totals, sub-table rows)",
        "，搁置 {count} 行（合计行、子表行）",
    ),
    "score.progress_chunks": ("{count} chunk(s) written", "已写 {count} 块"),
    "score.progress_step": ("{step} fitted", "{step} 已拟合"),
    "score.progress": ("scoring: {shown}", "打分中: {shown}"),
    # Headers of the columns ``score`` adds, in an xlsx for people.
    "column.weight": ("weight", "权重"),
    "column.category_percentile": ("category_percentile", "类目内百分位"),
    "column.fix_1": ("fix_1", "优先修复1"),
    "column.fix_1_gain": ("fix_1_gain", "修复1预计提升"),
    "column.fix_2": ("fix_2", "优先修复2"),
    "column.fix_2_gain": ("fix_2_gain", "修复2预计提升"),
    "column.fix_3": ("fix_3", "优先修复3"),
    "column.fix_3_gain": ("fix_3_gain", "修复3预计提升"),
    "column.blockers": ("blockers", "降权项"),
    "column.suggested_category": ("suggested_category", "建议类目"),
    # ----------------------------------------------------------------- drift
    "drift.signals": ("signals {names}", "信号 {names}"),
    "drift.factors": ("factor contributions {names}", "因素贡献 {names}"),
    "drift.warning_factors": (
        "warning: this export has drifted from the model's training data "
        "({moved}); its weights may be off — retrain on fresh exports: {command}",
        "警告: 这份导出已偏离模型的训练数据（{moved}）；权重可能不准 — "
        "请用新的导出重新训练: {command}",
    ),
    "drift.warning_signals": (
        "warning: this export has drifted from the model's training data "
        "({moved}); the factor contributions did not move (the model measures "
        "signals against each category), so the weights hold for now — if it "
        "persists, retrain: {command}",
        "警告: 这份导出已偏离模型的训练数据（{moved}）；因素贡献没有变化"
        "（模型按类目衡量信号），权重暂时可信 — 若持续，请重新训练: {command}",
    ),
    "drift.notice": (
        "notice: some of this export differs from the model's training data ({moved})",
        "提示: 这份导出有部分与模型的训练数据不同（{moved}）",
    ),
    "drift.not_in_export": (
        "note: not in this export, so not checked for drift: {names}",
        "说明: 这份导出没有这些信号，不做漂移检查: {names}",
    ),
    # ---------------------------------------------------------------- report
    "report.title": ("Listing weight report", "商品权重报告"),
    "report.about": (
        "{exports} · {listings:,} listings · model {model} · made {made}",
        "{exports} · {listings:,} 个商品 · 模型 {model} · 生成于 {made}",
    ),
    "report.overview": ("The catalog", "全店概览"),
    "report.distribution": ("Weight per category", "各类目的权重分布"),
    "report.distribution_help": (
        "How many listings hold each weight (0–100); the dashed line is the "
        "category's median.",
        "每个权重区间（0–100）的商品数；虚线是该类目的中位数。",
    ),
    "report.other_categories": ("{count} other categories", "其他 {count} 个类目"),
    "report.category_line": (
        "{count:,} listings, median weight {median:.1f}",
        "{count:,} 个商品，权重中位数 {median:.1f}",
    ),
    "report.blockers": (
        "Listings each blocker holds back",
        "各降权项影响的商品数",
    ),
    "report.no_blockers": ("No listing has a blocker.", "没有商品有降权项。"),
    "report.listings_share": (
        "{count:,} listings ({share:.1%})",
        "{count:,} 个商品（{share:.1%}）",
    ),
    "report.first_fixes": (
        "If every listing made its first fix",
        "如果每个商品都完成第一项修复",
    ),
    "report.first_fixes_help": (
        "Weight points won across the catalog, by the factor of each listing's "
        "first fix.",
        "全店可获得的权重分，按每个商品第一项修复所属的因素汇总。",
    ),
    "report.gain_text": (
        "+{total:,.0f} points over {count:,} listings (+{mean:.1f} each)",
        "共 +{total:,.0f} 分，{count:,} 个商品（平均 +{mean:.1f}）",
    ),
    "report.cards": ("Listings to work on first", "优先处理的商品"),
    "report.card_line": (
        "category {category} · category percentile {percentile:.0f}",
        "类目 {category} · 类目内百分位 {percentile:.0f}",
    ),
    "report.typical": ("category's average listing", "类目平均商品"),
    "report.this_listing": ("this listing", "本商品"),
    "report.waterfall": (
        "from the category's average listing to this one, factor by factor",
        "从类目平均商品到本商品，逐个因素的变化",
    ),
    "report.fixes": ("Fixes, best first", "修复建议（收益从高到低）"),
    "report.keywords": (
        "Rank per keyword now and after each fix",
        "各关键词现排名及各项修复后的预计排名",
    ),
    "report.rank_now": ("now", "现排名"),
    "report.drops": ("Unusual drops since the last export", "与上次导出相比的异常下降"),
    "report.against": ("against {old}", "对比 {old}"),
    "report.table": (
        "The {count} weakest listings",
        "权重最低的 {count} 个商品",
    ),
    "report.table_help": (
        "Click a column's header to sort by it.",
        "点击表头可按该列排序。",
    ),
    "report.model": ("The model", "模型"),
    "report.trained_on": (
        "Trained on {file} ({rows:,} listings), label {label}, {groups} keyword "
        "groups; made {created}.",
        "训练数据 {file}（{rows:,} 个商品），标签 {label}，{groups} 个关键词组；"
        "生成于 {created}。",
    ),
    "report.held_out": (
        "Held-out quality beside ordering by monthly sales",
        "留出集上的效果（对比按月销量排序）",
    ),
    "report.drift": ("Drift", "数据漂移"),
    "report.no_drift": (
        "This export looks like the model's training data.",
        "这份导出与模型的训练数据一致。",
    ),
    "report.written": (
        "report of {listings:,} listings ({size}) → {path}",
        "{listings:,} 个商品的报告（{size}）→ {path}",
    ),
    # ------------------------------------------------------------------ diff
    "diff.listings": (
        "{both:,} listings in both exports ({new:,} new, {gone:,} gone); median "
        "change {median:+.1f} weight points (what the whole catalog shared: a "
        "season, a platform-wide shift)",
        "两份导出共有 {both:,} 个商品（新增 {new:,}，消失 {gone:,}）；权重变化中位数 "
        "{median:+.1f} 分（全店共有的变化: 季节、平台整体变动）",
    ),
    "diff.model_change": (
        "the model refit moved a typical listing {change:+.1f} points (column "
        "part_model); the rest is the listings' own data",
        "模型重新训练使典型商品变化 {change:+.1f} 分（列 part_model）；其余来自商品"
        "自身数据",
    ),
    "diff.no_drops": ("no unusual drops", "没有异常下降"),
    "diff.drops": (
        "{count:,} unusual drop(s), largest first:",
        "{count:,} 个异常下降，按降幅从大到小:",
    ),
    "diff.listing": ("listing", "商品"),
    "diff.category": ("category", "类目"),
    "diff.weight": ("weight", "权重"),
    "diff.lost": ("lost", "异常损失"),
    "diff.main_factor": ("main factor", "主因"),
    "diff.revert": ("revert wins", "恢复可挽回"),
    "diff.why": ("why", "原因"),
    "diff.more": ("… and {count:,} more in {where}", "… 另有 {count:,} 个见 {where}"),
    "diff.positions": (
        "positions lost per keyword (rank now, rank at the old weight):",
        "各关键词丢失的名次（现排名，按旧权重的排名）:",
    ),
    "diff.keyword": ("keyword", "关键词"),
    "diff.rank_now": ("rank now", "现排名"),
    "diff.at_old": ("at old weight", "按旧权重"),
    "diff.lost_positions": ("lost", "丢失名次"),
    "diff.output": (
        "every listing's change, split by factor → {path}",
        "每个商品的变化（按因素拆分）→ {path}",
    ),
    "diff.now_below": (
        ", now below the category's {average:.2f}",
        "，现低于类目均值 {average:.2f}",
    ),
    "diff.other_reason": (
        "its own signals did not change; its category's yardsticks or the title "
        "model's view moved ({factor})",
        "商品自身信号未变；是类目基准或标题模型的判断变了（{factor}）",
    ),
    # ---- what-if
    "whatif.missing_room": (
        "no weight reaches rank {target}: passing every tracked rival above it "
        "still leaves it at rank {floor}; the fixes reach rank {best}",
        "任何权重都到不了第 {target} 名：超过排在它前面的所有跟踪对手也只到第 "
        "{floor} 名；修复能到第 {best} 名",
    ),
    "whatif.missing_weight": (
        "rank {target} needs weight {needed:.1f}; the fixes together reach at "
        "most {weight:.1f} ({short:.1f} short), rank {best}",
        "第 {target} 名需要权重 {needed:.1f}；修复合起来最多到 {weight:.1f}"
        "（差 {short:.1f}），第 {best} 名",
    ),
    "whatif.plan_head": (
        "{listing}: weight {weight:.1f}; to reach rank {target} (effort in "
        "--effort units):",
        "{listing}: 权重 {weight:.1f}；要到第 {target} 名（投入按 --effort 单位）:",
    ),
    "whatif.plan_from": (
        "  starting from the what-if {changes}: weight {weight:.1f}",
        "  从假如 {changes} 出发: 权重 {weight:.1f}",
    ),
    "whatif.plan_keyword": (
        "  {keyword}: rank now {now} (seen {observed})",
        "  {keyword}: 现排名 {now}（观测 {observed}）",
    ),
    "whatif.plan_reached": (
        "    reached with {fixes}, effort {effort:g} → weight {weight:.1f}, "
        "rank {rank}",
        "    做 {fixes}，投入 {effort:g} → 权重 {weight:.1f}，第 {rank} 名",
    ),
    "whatif.plan_already": (
        "    already there: no fix needed",
        "    已经达到：无需修复",
    ),
    "whatif.plan_unreached": (
        "    not reachable: best {fixes}, effort {effort:g} → weight {weight:.1f}, "
        "rank {rank}; {missing}",
        "    达不到：最好是 {fixes}，投入 {effort:g} → 权重 {weight:.1f}，"
        "第 {rank} 名；{missing}",
    ),
    "whatif.no_fix": ("no fix", "不做修复"),
    "whatif.title": ("What if", "假如"),
    "whatif.help": (
        "Change a signal: the weight, waterfall, blockers, rank per keyword and "
        "the plan are recomputed here, as `ranking audit --what-if` computes "
        "them (no network)",
        "改一个信号: 权重、瀑布图、卡点、各关键词排名和方案都在本页重新计算，与 "
        "`ranking audit --what-if` 的结果相同（无需联网）",
    ),
    "whatif.reset": ("reset to today's values", "恢复今天的数值"),
    "whatif.expected": ("expected", "预计排名"),
    "whatif.today": (
        "(what-if; today {weight:.1f}: the percentile, fixes and rank table "
        "below are today's)",
        "（假如；今天 {weight:.1f}: 下方的百分位、修复建议和排名表是今天的）",
    ),
    "whatif.card_reached": (
        "to reach top {top} for {keyword}: {fixes} (effort {effort:g}) → weight "
        "{weight:.1f}, rank {rank}",
        "要进 {keyword} 前 {top} 名: {fixes}（投入 {effort:g}）→ 权重 {weight:.1f}，"
        "第 {rank} 名",
    ),
    "whatif.card_unreached": (
        "top {top} for {keyword} is out of reach: the best is {fixes} (effort "
        "{effort:g}) → weight {weight:.1f}, rank {rank}",
        "{keyword} 前 {top} 名够不到: 最好是 {fixes}（投入 {effort:g}）→ 权重 "
        "{weight:.1f}，第 {rank} 名",
    ),
    "whatif.card_already": (
        "already in the top {top} for {keyword} (rank {rank})",
        "已在 {keyword} 前 {top} 名（第 {rank} 名）",
    ),
    "whatif.bad_number": (
        "--what-if {name}={written}: {name} is '{value}', expected a number such "
        "as 1,234 or {wan}",
        "--what-if {name}={written}: {name} 是 '{value}'，应为数字，如 1,234 或 {wan}",
    ),
    "whatif.bad_count": (
        "--what-if {name}={written}: {name} is {value}, expected a count ≥ 0",
        "--what-if {name}={written}: {name} 是 {value}，应为 ≥ 0 的数量",
    ),
    "whatif.bad_amount": (
        "--what-if {name}={written}: {name} is {value}, expected an amount ≥ 0",
        "--what-if {name}={written}: {name} 是 {value}，应为 ≥ 0 的金额",
    ),
    "whatif.bad_big": (
        "--what-if {name}={written}: {name} is {value}, above 1,000,000,000,000",
        "--what-if {name}={written}: {name} 是 {value}，超过 1,000,000,000,000",
    ),
    "whatif.bad_rating": (
        "--what-if {name}={written}: {name} is {value}, expected 1-5{hint}",
        "--what-if {name}={written}: {name} 是 {value}，应在 1-5 之间{hint}",
    ),
    "whatif.hint_10": (" (is it ×10?)", "（是否乘了10？）"),
    "whatif.hint_100": (
        " (is it ×100? then write every value so)",
        "（是否乘了100？那就每个值都这样写）",
    ),
    "whatif.bad_share": (
        "--what-if {name}={written}: {name} is {value}, expected 0-1 (write 3.5% "
        "for a percentage)",
        "--what-if {name}={written}: {name} 是 {value}，应在 0-1 之间（百分比写成 "
        "3.5%）",
    ),
    "whatif.bad_yes_no": (
        "--what-if {name}={written}: {name} is '{value}', expected yes/no (1/0, "
        "{shi_fou})",
        "--what-if {name}={written}: {name} 是 '{value}'，应为 yes/no（1/0, "
        "{shi_fou}）",
    ),
    "whatif.empty": (
        "--what-if {name}=: {name} is empty; allowed: {allowed}",
        "--what-if {name}=: {name} 为空；允许: {allowed}",
    ),
    "whatif.allowed.count": (
        "a count ≥ 0 such as 1,234 or {wan}",
        "≥ 0 的数量，如 1,234 或 {wan}",
    ),
    "whatif.allowed.money": (
        "an amount ≥ 0 such as ¥12.5 or 1,234.56",
        "≥ 0 的金额，如 ¥12.5 或 1,234.56",
    ),
    "whatif.allowed.score": ("a rating from 1 to 5", "1 到 5 的评分"),
    "whatif.allowed.dsr": (
        "a DSR score from 1 to 5 (or ×100: 100-500)",
        "1 到 5 的 DSR 分（或乘100: 100-500）",
    ),
    "whatif.allowed.share": (
        "a share from 0 to 1, or a percentage such as 3.5%",
        "0 到 1 的比例，或百分比如 3.5%",
    ),
    "whatif.allowed.bool": (
        "yes/no (1/0, {shi_fou})",
        "yes/no（1/0, {shi_fou}）",
    ),
}


class Said(str):
    """English text that keeps its key and fields, so that a view can say it
    again in another language: a note made while reading an export is a
    plain string to everything downstream (JSON, ``startswith``) and
    Chinese in ``check --lang zh``.

    >>> note = Said("note.set", name="dsr_service", value="4.8")
    >>> note
    '--set dsr_service=4.8: every listing'
    >>> in_language(note, "zh")
    '--set dsr_service=4.8: 每个商品都用这个值'
    """

    key: str
    fields: dict

    def __new__(cls, key: str, /, **fields) -> Said:
        text = super().__new__(cls, say(key, "en", **fields))
        text.key, text.fields = key, fields
        return text

    def __reduce__(self):
        return _said_again, (self.key, self.fields)


def _said_again(key: str, fields: dict) -> Said:
    return Said(key, **fields)


def in_language(text: str, lang: str) -> str:
    """``text`` in ``lang`` when it is :class:`Said` (its ``Said`` fields
    too), else as it is."""
    if not isinstance(text, Said) or lang == "en":
        return str(text)
    fields = {
        name: in_language(value, lang) if isinstance(value, Said) else value
        for name, value in text.fields.items()
    }
    return say(text.key, lang, **fields)


def say(key: str, lang: str, /, **fields) -> str:
    """The text of ``key`` in ``lang``, its ``{fields}`` filled.

    >>> say("diff.more", "en", count=1200, where="out.csv")
    '… and 1,200 more in out.csv'
    """
    english, chinese = TEXT[key]
    return (chinese if lang == "zh" else english).format(**fields)


def factor_word(factor: str, lang: str) -> str:
    """A factor as a person reads it: its name in English (as in the JSON
    and the output columns), its operators' word in Chinese."""
    return say(f"factor.{factor}", lang) if f"factor.{factor}" in TEXT else factor


def signal_word(name: str, lang: str) -> str:
    """A canonical signal column as its export header reads in ``lang``."""
    return say(f"signal.{name}", lang) if f"signal.{name}" in TEXT else name


def fix_words(factor: str, lang: str) -> str:
    """A factor's fix in plain words (``""`` for no fix)."""
    return say(f"fix.{factor}", lang) if factor else ""


__all__ = [
    "LANGUAGES",
    "TEXT",
    "Said",
    "default_language",
    "factor_word",
    "fix_words",
    "in_language",
    "say",
    "signal_word",
]
