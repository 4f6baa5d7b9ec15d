"""Every sentence ``ranking`` writes for a person, as data: the one
translation table, and :class:`Said`, a message that keeps its key and fields.

The stages that compute (reading, the model, explanations, engines) never
word anything in a language: they return :class:`Said` messages — English
text to anything that treats them as strings (JSON, a CSV cell, a log), with
the key and fields a view needs to say them again in Chinese. Only
:mod:`ranking.present.lang` chooses a language, at the edge.

JSON keys, factor names and the spec's output column names stay English.
Chinese names of signals are headers real back offices write (each is one of
:mod:`ranking.reading.schema`'s aliases, checked by a test), so a seller reads
the words of their own export.
"""

from __future__ import annotations

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
    "audit.what_if_unread": (
        "--what-if {column}: not read for this listing: the export gives "
        "{signal}, which the model reads instead (change that)",
        "--what-if {column}: 这个商品不读取它：导出已给出 {signal}，"
        "模型读取的是后者（请改它）",
    ),
    "action.raise": ("raise {label} from {old} to {new}", "{label}从 {old} 提到 {new}"),
    "action.cut": ("cut {label} from {old} to {new}", "{label}从 {old} 降到 {new}"),
    "action.move": ("move it from {old} to {new}", "从 {old} 移到 {new}"),
    "action.add": ("{fix}", "{fix}"),
    "action.unsaid": (
        "{fix} (the export does not say whether it has one)",
        "{fix}（导出未说明是否已有）",
    ),
    "action.changes": ("{changes}", "{changes}"),
    "action.to_p75": (
        "{changes} (category 75th percentile)",
        "{changes}（类目75分位）",
    ),
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
    "list.comma": (", ", "、"),
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
    "train.cv_emphasis": (
        "{signal}'s own term is emphasised ×{factor:g} (the fitted term "
        "×{factor:g}, plus a rise at every step of {signal}): held-out keywords "
        "were ranked better so, and no worse than by {signal} alone",
        "{signal}自身的项加重 ×{factor:g}（拟合项 ×{factor:g}，"
        "且随{signal}每一级上升）: 这样在留出的关键词上排序更好，"
        "且不差于单按{signal}排序",
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
    # ------------------------------------------------ the model card (card.txt)
    "card.title": (
        "ranking weight model\n====================",
        "ranking 权重模型\n====================",
    ),
    "card.created": ("created      {created}", "创建时间     {created}"),
    "card.trained_on": (
        "trained on   {file} ({rows} rows)",
        "训练数据     {file}（{rows} 行）",
    ),
    "card.label": ("label        {label}", "学习目标     {label}"),
    "card.ranks": ("ranks        {file}", "排名文件     {file}"),
    "card.groups": (
        "  groups     {groups} keyword groups, {observations} observations "
        "({censored} censored)",
        "  分组       {groups} 个关键词组，{observations} 条观测（{censored} 条截断）",
    ),
    "card.metric": ("  {ordering}: {values}", "  {ordering}: {values}"),
    "card.not_in_export": (
        "  not in the export: {names}",
        "  导出中没有: {names}",
    ),
    "card.curve": (
        "  {knots:>3} knots  alpha {alpha:<6} without {dropped:28} "
        "ndcg@10 {ndcg:.3f}  spearman {rho:.3f}",
        "  {knots:>3} 个节点  alpha {alpha:<6} 去掉 {dropped:28} "
        "ndcg@10 {ndcg:.3f}  spearman {rho:.3f}",
    ),
    "card.curve_emphasis": (
        "  {knots:>3} knots  alpha {alpha:<6} without {dropped:28} "
        "ndcg@10 {ndcg:.3f}  spearman {rho:.3f}  {signal} ×{factor:g}",
        "  {knots:>3} 个节点  alpha {alpha:<6} 去掉 {dropped:28} "
        "ndcg@10 {ndcg:.3f}  spearman {rho:.3f}  {signal} ×{factor:g}",
    ),
    "card.leaned_on": (
        "leaned on (sd of each term over the training listings)",
        "倚重的项（各项在训练商品上的标准差）",
    ),
    "card.term": ("  {feature:22} {sd:.3f}", "  {feature:22} {sd:.3f}"),
    "card.features": ("features (factor, constraint)", "特征（因素，约束）"),
    "card.feature": (
        "  {name:22} {factor:16} {sign}",
        "  {name:22} {factor:16} {sign}",
    ),
    "card.increasing": ("increasing", "递增"),
    "card.decreasing": ("decreasing", "递减"),
    "card.free": ("free", "不限方向"),
    "card.versions": ("versions", "版本"),
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
    "cliff.unheld": (
        "  {feature:12} ({factor}): no blocker: the cliff over {low:+.3f} … "
        "{high:+.3f} ({cost:.1f} weight points at the median listing) is missing "
        "from a cross-validation fold (there the shape rises only {least:.0%} as "
        "much as in the model), so it rests on part of the training data only",
        "  {feature:12} ({factor}): 不设降权项：{low:+.3f} … {high:+.3f} 的断崖（中位"
        "商品 {cost:.1f} 权重分）在一个交叉验证折里不见了（那一折去掉了部分训练数据，"
        "形状只升了模型的 {least:.0%}），只靠部分训练数据",
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
    "drift.psi": ("{name} (PSI {psi:.2f})", "{name} (PSI {psi:.2f})"),
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
    "diff.reasons": ("{signals}", "{signals}"),
    "diff.moved": ("{name} {before} → {after}", "{name} {before} → {after}"),
    "diff.moved_below": (
        "{name} {before} → {after}, now below the category's {average:.2f}",
        "{name} {before} → {after}，现低于类目均值 {average:.2f}",
    ),
    "diff.other_reason": (
        "its own signals did not change; its category's yardsticks or the title "
        "model's view moved ({factor})",
        "商品自身信号未变；是类目基准或标题模型的判断变了（{factor}）",
    ),
    # ---------------------------------------------------------------- errors
    # Reading an export: the file, its bytes, its table.
    "error.no_file": ("{path}: no such file", "{path}: 文件不存在"),
    "error.is_folder": (
        "{path}: is a folder, expected a file",
        "{path}: 是文件夹，这里需要一个文件",
    ),
    "error.unreadable": (
        "{path}: cannot be read ({why})",
        "{path}: 无法读取（{why}）",
    ),
    "error.empty": ("{path}: is empty", "{path}: 是空文件"),
    "error.quote_in_column": (
        "{path}: row {row}: the quote that opens column '{column}' is never "
        "closed, so the rest of the file was read into that cell; close the "
        "quote or remove it",
        "{path}: 第 {row} 行: 列 '{column}' 开头的引号没有闭合，"
        "文件余下的内容都被读进了这个单元格；请补上或删掉这个引号",
    ),
    "error.quote": (
        "{path}: row {row}: a quote is never closed, so the rest of the file was "
        "read into one cell; close the quote or remove it",
        "{path}: 第 {row} 行: 有个引号没有闭合，文件余下的内容都被读进了一个单元格；"
        "请补上或删掉这个引号",
    ),
    "error.no_rows": (
        "{path}: has a header but no rows",
        "{path}: 只有表头，没有数据行",
    ),
    "error.not_a_table": (
        "{path}: cannot be read as a table ({reason})",
        "{path}: 无法按表格读取（{reason}）",
    ),
    "error.column_twice": (
        "{path}: column '{column}' appears twice (columns {first} and {second}); "
        "rename one of them",
        "{path}: 列 '{column}' 出现了两次（第 {first} 列和第 {second} 列）；"
        "请把其中一列改名",
    ),
    "error.binary": (
        "{path}: is a binary file, not a CSV/TSV table (is it UTF-16? save it as "
        "UTF-8 or GB18030)",
        "{path}: 是二进制文件，不是 CSV/TSV 表格（是 UTF-16 吗？请另存为 UTF-8 或 "
        "GB18030）",
    ),
    "error.cut_short": (
        "{path}: ends in the middle of a character, so the file was cut short (an "
        "unfinished download or copy?); export it again",
        "{path}: 结尾断在一个字符中间，文件不完整（下载或复制没有完成？）；请重新导出",
    ),
    "error.encoding": (
        "{path}: is neither UTF-8 nor GB18030/GBK text",
        "{path}: 既不是 UTF-8 也不是 GB18030/GBK 编码的文本",
    ),
    "error.sheet_file_size": (
        "{path}: {size:.2f} GB, above the {limit} of sheet read (Excel's "
        "1,048,576 rows × 30 columns); export it as .csv",
        "{path}: {size:.2f} GB，超过了可读取的工作表上限 {limit}"
        "（Excel 的 1,048,576 行 × 30 列）；请导出为 .csv",
    ),
    "error.sheet_size": (
        "{path}: its sheet expands to {size:.2f} GB, above the {limit} read "
        "(Excel's 1,048,576 rows × 30 columns); export it as .csv",
        "{path}: 工作表解压后有 {size:.2f} GB，超过了可读取的上限 {limit}"
        "（Excel 的 1,048,576 行 × 30 列）；请导出为 .csv",
    ),
    "error.sheet_bomb": (
        "{path}: its sheet expands {ratio:.0f}× (from {packed:.1f} MB to "
        "{expanded:,.0f} MB), as only a decompression bomb does (real sheets: "
        "under {most}×); not read",
        "{path}: 工作表解压后膨胀 {ratio:.0f} 倍（从 {packed:.1f} MB 到 "
        "{expanded:,.0f} MB），只有解压炸弹才会这样（真实的表格不到 {most} 倍）；"
        "未读取",
    ),
    # Columns of an export.
    "error.both_columns": (
        "{path}: columns '{first}' and '{second}' are both {name}; delete or "
        "rename one of them",
        "{path}: 列 '{first}' 和 '{second}' 都是 {name}；请删除或改名其中一列",
    ),
    "error.twins_differ": (
        "{path}: columns '{first}' and '{second}' are both {name} and differ on "
        "row {row} ('{one}' vs '{other}'); delete or rename one of them",
        "{path}: 列 '{first}' 和 '{second}' 都是 {name}，但第 {row} 行不一致"
        "（'{one}' 与 '{other}'）；请删除或改名其中一列",
    ),
    "error.ids_lost": (
        "{path}: listing ids look like Excel's scientific notation: the digits "
        "are lost; export the column as text ({count} rows, the first row {row}: "
        "'{written}')",
        "{path}: 商品ID 被 Excel 写成了科学计数法，数字已丢失；请把这一列按文本导出"
        "（{count} 行，第一处在第 {row} 行: '{written}'）",
    ),
    "error.no_id_column": (
        "{path}: no listing_id column (looked for listing_id, {names}, ...); the "
        "header row read was: {header}",
        "{path}: 没有商品ID 列（找过 listing_id、{names} 等）；读到的表头是: {header}",
    ),
    "error.ranks_columns": (
        "{path}: no {missing} column; a ranks file needs listing_id, keyword and "
        "search_rank (or {aliases})",
        "{path}: 没有 {missing} 列；排名文件需要 listing_id、keyword 和 search_rank"
        "（或 {aliases}）",
    ),
    "error.strict": (
        "{path}: {count} row(s) rejected and --strict is set; first: {first}",
        "{path}: 拒收 {count} 行，而设置了 --strict；第一条: {first}",
    ),
    # Exports of several files.
    "error.empty_folder": (
        "{path}: the folder holds no export files ({kinds})",
        "{path}: 文件夹里没有导出文件（{kinds}）",
    ),
    "error.no_match": ("{path}: no file matches", "{path}: 没有匹配的文件"),
    "error.no_export": ("no export given", "没有给出导出文件"),
    "error.same_columns": (
        "{path}: its columns differ from {first}'s; the files of one export (a "
        "folder or a glob) must have the same columns",
        "{path}: 列与 {first} 的不同；同一份导出（一个文件夹或通配符）的文件必须列相同",
    ),
    "error.set_given": (
        "--set {name}={value}: {file} already gives {name}; drop the --set or the "
        "column",
        "--set {name}={value}: {file} 已经有 {name}；请去掉 --set 或这一列",
    ),
    "error.files_disagree": (
        "{first} and {other} disagree on {name} for listing {listing} ({one} vs "
        "{two}) and {more} more; correct one file, or drop the column from one",
        "{first} 和 {other} 中商品 {listing} 的 {name} 不一致（{one} 与 {two}），"
        "另有 {more} 个；请改正其中一个文件，或从其中一个文件删掉这一列",
    ),
    "error.all_rejected": (
        "{path}: every row was rejected; nothing to score",
        "{path}: 所有行都被拒收，没有可打分的商品",
    ),
    # Options naming a column: --set, --what-if, a listing id.
    "error.set_malformed": (
        "{flag} {item}: expected COLUMN=VALUE, e.g. dsr_service=4.8",
        "{flag} {item}: 应写成 列名=值，例如 服务态度=4.8",
    ),
    "error.set_unknown": (
        "{flag} {item}: '{column}' is not a signal; one of {signals}",
        "{flag} {item}: '{column}' 不是指标列；可用: {signals}",
    ),
    "error.what_if_malformed": (
        "{flag} {item}: expected COLUMN=VALUE",
        "{flag} {item}: 应写成 列名=值",
    ),
    "error.what_if_unknown": (
        "{flag} {name}: not a signal column; use one of {signals}",
        "{flag} {name}: 不是指标列；请用以下之一: {signals}",
    ),
    "error.assign_value": ("{flag} {item}: {why}", "{flag} {item}: {why}"),
    "error.unknown_listing": (
        "{path}: no listing with id '{listing}' (the export has {rows:,}; "
        "`ranking check` lists them)",
        "{path}: 没有商品ID 为 '{listing}' 的商品（导出中共 {rows:,} 个；"
        "`ranking check` 可列出）",
    ),
    # The model directory.
    "error.retrain": (
        "retrain with `ranking train EXPORT --ranks RANKS -o DIR`",
        "请重新训练: `ranking train EXPORT --ranks RANKS -o DIR`",
    ),
    "error.shipped": (
        "the default model ships inside the ranking package: reinstall ranking, "
        "or in a source checkout run `make model`; or train one with `ranking "
        "train EXPORT --ranks RANKS -o DIR` and give `--model DIR`",
        "默认模型随 ranking 包一起安装: 请重新安装 ranking，或在源码目录中运行 "
        "`make model`；也可以用 `ranking train EXPORT --ranks RANKS -o DIR` "
        "训练一个，再用 `--model DIR` 指定",
    ),
    "error.restore": ("restore it or retrain", "请恢复这个文件或重新训练"),
    "error.no_model": (
        "{path}: no model directory there; {remedy}",
        "{path}: 这里没有模型目录；{remedy}",
    ),
    "error.no_card": (
        "{path}: no {card}, not a model directory",
        "{path}: 没有 {card}，不是模型目录",
    ),
    "error.no_card_shipped": (
        "{path}: no {card}, not a model directory; {remedy}",
        "{path}: 没有 {card}，不是模型目录；{remedy}",
    ),
    "error.not_json": (
        "{path}: is not valid JSON; {remedy}",
        "{path}: 不是有效的 JSON；{remedy}",
    ),
    "error.model_format": (
        "{path}: model format {made} was made by another version of ranking "
        "(this one reads format {reads}); {remedy}",
        "{path}: 模型格式 {made} 由另一个版本的 ranking 生成（本版本读取格式 "
        "{reads}）；{remedy}",
    ),
    "error.model_file_missing": (
        "{path}: {name} is missing; {remedy}",
        "{path}: 缺少 {name}；{remedy}",
    ),
    "error.checksum": (
        "{path}: does not match the checksum recorded in {sums}; the file was "
        "changed or damaged — {remedy}",
        "{path}: 与 {sums} 中记录的校验和不符，文件被改动或已损坏 — {remedy}",
    ),
    "error.model_damaged": ("{path}: {error}; {remedy}", "{path}: {error}；{remedy}"),
    "error.model_unreadable": (
        "{path}: does not hold a readable ranking model ({kind}: {error}); {remedy}",
        "{path}: 不是可读取的 ranking 模型（{kind}: {error}）；{remedy}",
    ),
    "error.model_is_file": (
        "{path}: is a file; give a directory for the model",
        "{path}: 是文件；模型需要一个目录",
    ),
    "error.model_folder_used": (
        "{path}: exists and holds other files than a model's; choose a new or "
        "empty directory (ranking replaces a model directory whole)",
        "{path}: 已存在，且有模型以外的文件；请选一个新的或空的目录"
        "（ranking 会整体替换模型目录）",
    ),
    # Writing outputs.
    "error.not_written": (
        "{path}: cannot be written ({why})",
        "{path}: 无法写入（{why}）",
    ),
    "error.write_in": (
        "{path}: cannot write in folder {folder} ({why})",
        "{path}: 无法在文件夹 {folder} 中写入（{why}）",
    ),
    "error.not_made": ("{path}: cannot be made ({why})", "{path}: 无法创建（{why}）"),
    "error.folder_not_made": (
        "{path}: folder {folder} cannot be made ({why})",
        "{path}: 无法创建文件夹 {folder}（{why}）",
    ),
    "error.no_folder": (
        "{path}: folder {folder} does not exist",
        "{path}: 文件夹 {folder} 不存在",
    ),
    "error.folder_is_file": (
        "{path}: folder {folder} is a file, not a folder",
        "{path}: {folder} 是文件，不是文件夹",
    ),
    "error.extension": (
        "{path}: cannot write '{suffix}', use one of {kinds}",
        "{path}: 无法写成 '{suffix}'，请用以下之一: {kinds}",
    ),
    "error.no_extension": (
        "{path}: cannot write 'no extension', use one of {kinds}",
        "{path}: 没有扩展名，无法写入；请用以下之一: {kinds}",
    ),
    "error.is_input": (
        "{path}: is the input file {source}; write the output somewhere else "
        "(inputs are never modified)",
        "{path}: 就是输入文件 {source}；请把输出写到别处（输入文件从不修改）",
    ),
    "error.holds_input": (
        "{path}: holds the input file {source}; write the output somewhere else "
        "(inputs are never modified)",
        "{path}: 里面有输入文件 {source}；请把输出写到别处（输入文件从不修改）",
    ),
    "error.xlsx_rows": (
        "{path}: more than {most:,} rows, the most an .xlsx holds; write .csv or "
        ".parquet",
        "{path}: 超过 {most:,} 行，这是 .xlsx 能容纳的上限；请写成 .csv 或 .parquet",
    ),
    "error.dataset_is_file": (
        "{path}: is a file; a dataset output is a folder (give a new name, or a "
        "name with .csv, .parquet or .xlsx for one file)",
        "{path}: 是文件；数据集输出是一个文件夹（请换个新名字，或用 .csv、.parquet "
        "或 .xlsx 结尾的名字输出单个文件）",
    ),
    "error.dataset_used": (
        "{path}: the folder holds other files than a scored dataset's "
        "part-NNNNN.parquet (such as {other}); give a new or empty folder",
        "{path}: 文件夹里有打分数据集（part-NNNNN.parquet）以外的文件（如 {other}）；"
        "请换一个新的或空的文件夹",
    ),
    "error.part_columns": (
        "{path}: its columns do not match {first}'s ({error})",
        "{path}: 列与 {first} 的不一致（{error}）",
    ),
    "error.rejects_is_output": (
        "{path}: is the output too; give --rejects another name",
        "{path}: 同时也是输出文件；请给 --rejects 换个名字",
    ),
    # The Dask engine.
    "error.no_dask": (
        "--engine dask needs Dask, which is not installed: {install}",
        "--engine dask 需要 Dask，但没有安装: {install}",
    ),
    "error.cluster_failed": (
        "the Dask cluster failed while {work} ({kind}: {error}); run again, or "
        "check the scheduler and its workers",
        "Dask 集群在{work}时出错（{kind}: {error}）；"
        "请重新运行，或检查调度器和它的 worker",
    ),
    "error.while_scoring": ("scoring", "打分"),
    "error.while_features": ("building the features", "计算特征"),
    "error.cluster_lost": (
        "the Dask cluster lost a worker while sending the {what} to its workers, "
        "{tries} times ({kind}: {error}); run again, or check the scheduler and "
        "its workers",
        "Dask 集群向 worker 发送{what}时丢失了 worker，共 {tries} 次（{kind}: "
        "{error}）；请重新运行，或检查调度器和它的 worker",
    ),
    "error.the_model": ("model", "模型"),
    "error.the_scores": ("catalog scores", "全店得分"),
    "error.no_scheduler": (
        "--scheduler {scheduler}: no Dask scheduler answers there ({error}); start "
        "one with `dask scheduler`, or leave out --scheduler to use a cluster on "
        "this machine",
        "--scheduler {scheduler}: 那里没有响应的 Dask 调度器（{error}）；请用 "
        "`dask scheduler` 启动一个，或去掉 --scheduler 在本机启动集群",
    ),
    "error.no_worker": (
        "--scheduler {scheduler}: no worker has joined it in {seconds:.0f} s; "
        "start one with `dask worker {scheduler}`",
        "--scheduler {scheduler}: {seconds:.0f} 秒内没有 worker 加入；请用 "
        "`dask worker {scheduler}` 启动一个",
    ),
    "error.worker_bare": (
        "worker {worker} has no ranking installed; install ranking {version} "
        "(with its [dask] extra) on every worker",
        "worker {worker} 没有安装 ranking；请在每个 worker 上安装 ranking {version}"
        "（带 [dask] 扩展）",
    ),
    "error.worker_version": (
        "worker {worker} runs ranking {found}, this machine {version}; install the "
        "same version on every worker",
        "worker {worker} 运行的是 ranking {found}，本机是 {version}；"
        "请在每个 worker 上安装相同的版本",
    ),
    "error.dask_one_export": (
        "--engine dask reads one export (a file, or a folder or glob of files); "
        "join several exports or use --set with --engine local",
        "--engine dask 只读一份导出（一个文件，或一个文件夹或通配符）；"
        "要合并多份导出或使用 --set，请用 --engine local",
    ),
    # Training and evaluating.
    "error.two_search_tables": (
        "{first} and {second} both have keyword and position columns; say which "
        "holds the ranks with --ranks",
        "{first} 和 {second} 都有关键词和排名列；请用 --ranks 指定哪个是排名",
    ),
    "error.few_groups": (
        "the ranks match {groups} keyword group(s) of this export; at least "
        "{needed} are needed (check that the listing ids in the ranks file are "
        "the export's)",
        "排名只对上了这份导出的 {groups} 个关键词组；至少需要 {needed} 个"
        "（请检查排名文件里的商品ID 是否来自这份导出）",
    ),
    "error.no_pairs": (
        "the ranks give no ordered pairs of listings to learn from",
        "排名中没有可供学习的商品先后对",
    ),
    "error.no_label": (
        "{path}: no ranks given and fewer than {needed} listings have "
        "search_visitors ({header}); pass --ranks RANKS or add that column",
        "{path}: 没有给出排名，且有 search_visitors（{header}）的商品不足 {needed} 个；"
        "请用 --ranks RANKS 给出排名，或补上这一列",
    ),
    "error.no_ranks": (
        "{path}: no ranks to evaluate on: pass --ranks RANKS, or an export with "
        "keyword and position columns",
        "{path}: 没有可用于评估的排名: 请用 --ranks RANKS 给出，或使用带关键词和"
        "排名列的导出",
    ),
    "error.no_ids": (
        "{path}: none of its listing ids are in {export}",
        "{path}: 其中的商品ID 都不在 {export} 中",
    ),
    # The effort table (--effort).
    "error.effort_form": (
        '{path}: expected JSON {{"factor": effort}} or CSV rows factor,effort',
        '{path}: 应为 JSON {{"factor": effort}}，或每行 factor,effort 的 CSV',
    ),
    "error.effort_factor": (
        "{path}: unknown factor '{factor}'; factors are {factors}",
        "{path}: 未知的因素 '{factor}'；可用的因素: {factors}",
    ),
    "error.effort_value": (
        "{path}: effort of {factor} is '{value}', expected a number > 0",
        "{path}: {factor} 的投入是 '{value}'，应为大于 0 的数",
    ),
    # Reject reasons (ranking.reading.reasons reads them back into these).
    "reject.row": ("row {row}: {reason}", "第 {row} 行: {reason}"),
    "reject.of_file": ("{file}: {reason}", "{file}: {reason}"),
    "reject.and": ("{first}; {then}", "{first}；{then}"),
    "reject.not_listing": ("not a listing: {why}", "不是商品: {why}"),
    "reject.total_row": ("a total row", "合计行"),
    "reject.subtable_row": (
        "a section or sub-table row (its id is a dash)",
        "分节行或子表行（ID 是短横线）",
    ),
    "reject.sku_row": (
        "a SKU sub-table row (its first cell is a dash)",
        "SKU 子表行（第一个单元格是短横线）",
    ),
    "reject.empty": ("{name} is empty", "{name} 为空"),
    "reject.digits_lost": (
        "{name} '{cell}' looks like Excel's scientific notation: the digits are "
        "lost; export the column as text",
        "{name} '{cell}' 像是 Excel 的科学计数法，数字已丢失；请把这一列按文本导出",
    ),
    "reject.repeats": (
        "{name} '{id}' repeats row {first}",
        "{name} '{id}' 与第 {first} 行重复",
    ),
    "reject.repeats_of": (
        "{name} '{id}' repeats row {first} of {file}",
        "{name} '{id}' 与 {file} 的第 {first} 行重复",
    ),
    "reject.pair_repeats": (
        "listing_id and keyword repeat an earlier row",
        "商品ID 和关键词与前面某一行重复",
    ),
    "reject.negative_count": (
        "{name} is {value}, expected a count ≥ 0",
        "{name} 是 {value}，应为 ≥ 0 的数量",
    ),
    "reject.negative_amount": (
        "{name} is {value}, expected an amount ≥ 0",
        "{name} 是 {value}，应为 ≥ 0 的金额",
    ),
    "reject.huge_count": (
        "{name} is {value}, above 1,000,000,000,000: not a count",
        "{name} 是 {value}，超过 1,000,000,000,000，不可能是数量",
    ),
    "reject.huge_amount": (
        "{name} is {value}, above 1,000,000,000,000: not an amount",
        "{name} 是 {value}，超过 1,000,000,000,000，不可能是金额",
    ),
    "reject.one_to_five": (
        "{name} is {value}, expected 1-5",
        "{name} 是 {value}，应在 1-5 之间",
    ),
    "reject.one_to_five_x10": (
        "{name} is {value}, expected 1-5 (is it ×10?)",
        "{name} 是 {value}，应在 1-5 之间（是否乘了 10？）",
    ),
    "reject.one_to_five_x100": (
        "{name} is {value}, expected 1-5 (is it ×100? then write every value so)",
        "{name} 是 {value}，应在 1-5 之间（是否乘了 100？那就每个值都这样写）",
    ),
    "reject.zero_to_one": (
        "{name} is {value}, expected 0-1 (write 3.5% for a percentage)",
        "{name} 是 {value}，应在 0-1 之间（百分比请写成 3.5%）",
    ),
    "reject.rank": (
        "{name} is {value}, expected a rank 1, 2, ...",
        "{name} 是 {value}，应为名次 1、2、……",
    ),
    "reject.after_period": (
        "{name} is {date}, after the export's period (ends {end}); expected the "
        "day the listing went on sale",
        "{name} 是 {date}，晚于导出的统计周期（截至 {end}）；应为商品上架的日期",
    ),
    "reject.after_today": (
        "{name} is {date}, after today ({end}); expected the day the listing "
        "went on sale",
        "{name} 是 {date}，晚于今天（{end}）；应为商品上架的日期",
    ),
    "reject.above": (
        "{name} is {value}, above {whole} {total}",
        "{name} 是 {value}，超过了{whole} {total}",
    ),
    "reject.not_number": (
        "{name} is '{cell}', expected a number such as 1,234 or {example}",
        "{name} 是 '{cell}'，应为数字，例如 1,234 或 {example}",
    ),
    "reject.not_bool": (
        "{name} is '{cell}', expected yes/no ({forms})",
        "{name} 是 '{cell}'，应为 是/否（{forms}）",
    ),
    "reject.not_date": (
        "{name} is '{cell}', expected a date like 2024-03-05",
        "{name} 是 '{cell}'，应为日期，例如 2024-03-05",
    ),
    "reject.not_bsr": (
        "{name} is '{cell}', expected a Best Sellers Rank such as #1,234 in Home "
        "& Kitchen",
        "{name} 是 '{cell}'，应为 Best Sellers Rank，例如 #1,234 in Home & Kitchen",
    ),
    "reject.not_position": (
        "{name} is '{cell}', expected a position 1, 2, ... or a censored one such "
        "as >100 or {unranked}",
        "{name} 是 '{cell}'，应为名次 1、2、……，或截断的名次，例如 >100 或 {unranked}",
    ),
    "error.history_one": (
        "{path}: a history needs at least two exports (give several files, or a "
        "folder holding them)",
        "{path}: 历史至少需要两份导出（请给出多个文件，或一个装有它们的文件夹）",
    ),
    "error.target_rank": (
        "--target-rank {target}: expected a rank 1, 2, ...",
        "--target-rank {target}: 应为名次 1、2、……",
    ),
    "error.target_keyword": (
        "--keyword {keyword}: listing {listing} was not seen on it in {path}; "
        "its keywords are {keywords}",
        "--keyword {keyword}: 商品 {listing} 在 {path} 中没有出现在这个关键词下；"
        "它出现过的关键词: {keywords}",
    ),
    "error.target_unseen": (
        "{path}: listing {listing} was not seen on any keyword; --target-rank "
        "needs its rank for at least one",
        "{path}: 商品 {listing} 没有出现在任何关键词下；--target-rank 至少需要它在一个"
        "关键词下的排名",
    ),
    "error.cell_empty": (
        "{name} is empty; allowed: {allowed}",
        "{name} 为空；可以写: {allowed}",
    ),
    # What a cell of each column kind may hold (ranking.reading.kinds).
    "allowed.id": ("id", "商品ID"),
    "allowed.text": ("text", "文本"),
    "allowed.bool": ("yes/no ({forms})", "是/否（{forms}）"),
    "allowed.period": ("period", "统计周期"),
    "allowed.date": ("a date such as 2024-03-05", "日期，例如 2024-03-05"),
    "allowed.bsr": (
        "a Best Sellers Rank ≥ 1 such as #1,234 in Home & Kitchen",
        "≥ 1 的 Best Sellers Rank，例如 #1,234 in Home & Kitchen",
    ),
    "allowed.rank": ("rank", "名次"),
    "allowed.count": (
        "a count ≥ 0 such as 1,234 or {example}",
        "≥ 0 的数量，例如 1,234 或 {example}",
    ),
    "allowed.money": (
        "an amount ≥ 0 such as ¥12.5 or 1,234.56",
        "≥ 0 的金额，例如 ¥12.5 或 1,234.56",
    ),
    "allowed.score": ("a rating from 1 to 5", "1 到 5 的评分"),
    "allowed.dsr": (
        "a DSR score from 1 to 5 (or ×100: 100-500)",
        "1 到 5 的 DSR 评分（或乘以 100: 100-500）",
    ),
    "allowed.share": (
        "a share from 0 to 1, or a percentage such as 3.5%",
        "0 到 1 的比例，或百分比，例如 3.5%",
    ),
    "error.cells_cut": (
        "{path}: {count:,} cell(s) longer than Excel's {most:,} characters cut to "
        "that length (a .csv or .parquet output keeps them whole)",
        "{path}: {count:,} 个单元格超过 Excel 的 {most:,} 字符上限，已截断"
        "（输出为 .csv 或 .parquet 可保留完整内容）",
    ),
    # ---- history
    "history.drop_reason": (
        "sudden drop: {lost:.2f} weight points lost to {factor}, its signals "
        "moved far more than the category's that step",
        "突然下降：{factor} 损失 {lost:.2f} 权重分，其信号变动远超同类目当期",
    ),
    "history.leak_reason": (
        "slow leak: {signal} fell against its category {steps} steps running "
        "since {since}, {lost:.2f} weight points lost ({factor})",
        "缓慢流失：自 {since} 起 {signal} 连续 {steps} 期相对类目下滑，"
        "已损失 {lost:.2f} 权重分（{factor}）",
    ),
    "history.span": (
        "{exports} exports, {first} … {last}; {listings:,} listings in the first",
        "{exports} 期导出，{first} … {last}；首期 {listings:,} 个商品",
    ),
    "history.median": (
        "catalog median weight over time (what every listing shared: a season, "
        "a sale): {weights}",
        "全店权重中位数随时间（所有商品共有的变化：季节、大促）：{weights}",
    ),
    "history.lost_most": (
        "lost most over the whole span (first → last weight):",
        "全期权重下降最多（首期 → 末期）：",
    ),
    "history.no_flags": ("no sudden drops or slow leaks", "没有突然下降或缓慢流失"),
    "history.flags": (
        "{drops} sudden drop(s) and {leaks} slow leak(s), largest first:",
        "{drops} 个突然下降，{leaks} 个缓慢流失，按损失排序：",
    ),
    "history.kind_drop": ("drop", "突降"),
    "history.kind_leak": ("leak", "流失"),
    "history.change": ("change", "变化"),
    "history.when": ("worst step", "跌幅最大的一期"),
    "history.period": ("period", "期"),
    "history.kind": ("kind", "类型"),
    "history.since": ("since", "起始"),
    "report.history": ("Over time", "随时间变化"),
    "report.history_median": (
        "catalog median weight per export (what every listing shared)",
        "每期全店权重中位数（所有商品共有的变化）",
    ),
    "report.history_how": (
        "One line per flagged listing on the 0–100 weight scale: the ring marks "
        "the step flagged, a shaded band a leak's window, the colour its main "
        "factor.",
        "每个被标记的商品一条线（0–100 权重）：圆圈为被标记的一期，阴影为流失窗口，"
        "颜色为主因。",
    ),
    "history.output": (
        "every listing's step, split by factor → {path}",
        "每个商品每期的变化（按因素拆分）→ {path}",
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
    >>> note.key, note.fields
    ('note.set', {'name': 'dsr_service', 'value': '4.8'})

    A field may be a ``Said`` (worded in the same language), a tuple of
    them (joined by the language's ``list.join``, ``; ``) or a list (joined
    by ``list.comma``, ``, ``).
    """

    key: str
    fields: dict

    def __new__(cls, key: str, /, **fields) -> Said:
        text = super().__new__(cls, worded(key, fields, ENGLISH))
        text.key, text.fields = key, fields
        return text

    def __reduce__(self):
        return _said_again, (self.key, self.fields)


def _said_again(key: str, fields: dict) -> Said:
    return Said(key, **fields)


#: Column of :data:`TEXT` each language reads.
ENGLISH, CHINESE = 0, 1


def worded(key: str, fields: dict, column: int) -> str:
    """``key``'s template in ``column`` of :data:`TEXT`, its fields filled:
    a :class:`Said` field worded in the same language, a tuple joined."""
    return TEXT[key][column].format(
        **{name: _field(value, column) for name, value in fields.items()}
    )


def _field(value, column: int):
    if isinstance(value, Said):
        return worded(value.key, value.fields, column)
    if isinstance(value, tuple | list):
        joint = TEXT["list.join" if isinstance(value, tuple) else "list.comma"][column]
        return joint.join(str(_field(item, column)) for item in value)
    return value


def as_data(text):
    """A message as JSON-ready data (a :class:`Said` as its key and fields,
    nested ones too), for a store that must say it again later.

    >>> back = from_data(as_data(Said("diff.moved", name=named("signal",
    ...     "dsr_service"), before="4.8", after="4.3")))
    >>> back.key, back.fields["name"].key
    ('diff.moved', 'signal.dsr_service')
    """
    if isinstance(text, Said):
        fields = {name: as_data(value) for name, value in text.fields.items()}
        return {"key": text.key, "fields": fields}
    if isinstance(text, tuple | list):
        items = [as_data(item) for item in text]
        return {"items": items, "tuple": isinstance(text, tuple)}
    return text


def from_data(data):
    """The message :func:`as_data` made data of."""
    if isinstance(data, dict) and "key" in data:
        return Said(data["key"], **{k: from_data(v) for k, v in data["fields"].items()})
    if isinstance(data, dict) and "items" in data:
        items = [from_data(item) for item in data["items"]]
        return tuple(items) if data["tuple"] else items
    return data


def named(kind: str, name: str) -> str:
    """A name (``kind`` ``signal``, ``factor``, ``fix`` or ``action.label``)
    as a :class:`Said` a view can word in Chinese, or the name itself when
    the table has no word for it.

    >>> named("signal", "dsr_service").key, named("signal", "no_such")
    ('signal.dsr_service', 'no_such')
    """
    key = f"{kind}.{name}"
    return Said(key) if key in TEXT else name


__all__ = [
    "CHINESE",
    "ENGLISH",
    "TEXT",
    "Said",
    "as_data",
    "from_data",
    "named",
    "worded",
]
