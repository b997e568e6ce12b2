"""Growth replies: rank, profile, leaderboards, badges, teams, shop, points, imports.

Refusals of every kind share one key pattern, ``growth.refusal.<reason>``, where ``reason``
is the value of ``points.RefusalReason``, ``shop.ShopRefusal`` or ``teams.TeamRefusal`` (plus
``unknown_member`` and ``missing_reason``), so a handler renders any refusal with
``t(f"growth.refusal.{refusal.reason}", lang, **fields)``. Placeholders are listed in the
English text; both languages use the same ones (checked by a test).
"""

MESSAGES: dict[str, dict[str, str]] = {
    # --- names -----------------------------------------------------------------------
    "growth.feature_name": {"en": "Growth", "zh": "成长体系"},
    "growth.category.activity": {"en": "activity", "zh": "活跃"},
    "growth.category.helping": {"en": "helping", "zh": "互助"},
    "growth.category.creation": {"en": "creation", "zh": "创作"},
    "growth.stage.newcomer": {"en": "Newcomer", "zh": "新人"},
    "growth.stage.active": {"en": "Active member", "zh": "活跃成员"},
    "growth.stage.expert": {"en": "Expert", "zh": "专家"},
    "growth.stage.leader": {"en": "Leader", "zh": "领袖"},
    "growth.badge.first_message": {"en": "First words", "zh": "初次发言"},
    "growth.badge.streak_7": {"en": "7-day streak", "zh": "连续七天"},
    "growth.badge.helpful_10": {"en": "Helping hand (10 helpful answers)",
                                "zh": "热心助人（10 个有用回答）"},
    "growth.badge.night_owl": {"en": "Night owl", "zh": "夜猫子"},
    "growth.badge.bilingual": {"en": "Bilingual (English and Chinese)",
                               "zh": "双语达人（中英文）"},
    "growth.badge.points_1000": {"en": "1,000 points", "zh": "1000 积分"},
    "growth.badge.points_10000": {"en": "10,000 points", "zh": "10000 积分"},
    "growth.badge.team_player": {"en": "Team player", "zh": "团队之星"},
    # --- /rank, /profile -------------------------------------------------------------
    "growth.rank": {
        "en": "{name}: level {level} ({xp_into}/{xp_step} XP to level {next_level}), "
              "rank #{rank} of {members}, {points} points — {stage}.",
        "zh": "{name}：等级 {level}（距 {next_level} 级 {xp_into}/{xp_step} XP），"
              "排名第 {rank}/{members}，{points} 积分 — {stage}。",
    },
    "growth.rank.unranked": {
        "en": "{name} has no points yet — join the conversation to start growing!",
        "zh": "{name} 还没有积分——参与讨论就能开始成长！",
    },
    "growth.profile": {
        "en": "{name} — {stage}{title}\nLevel {level} · {points} lifetime points · "
              "{balance} to spend\nBy category: {breakdown}\nActive days: {active_days} · "
              "streak: {streak} days · helpful answers: {helpful}\nBadges: {badges} · "
              "team: {team}",
        "zh": "{name} — {stage}{title}\n等级 {level} · 累计 {points} 积分 · "
              "可用 {balance}\n分类：{breakdown}\n活跃天数：{active_days} · "
              "连续：{streak} 天 · 有用回答：{helpful}\n徽章：{badges} · 团队：{team}",
    },
    "growth.profile.category": {"en": "{category} {points}", "zh": "{category} {points}"},
    "growth.profile.no_team": {"en": "none", "zh": "无"},
    "growth.profile.no_badges": {"en": "none yet", "zh": "暂无"},
    # --- /leaderboard ----------------------------------------------------------------
    "growth.leaderboard.title.week": {"en": "Leaderboard — this week",
                                      "zh": "排行榜 — 本周"},
    "growth.leaderboard.title.month": {"en": "Leaderboard — this month",
                                       "zh": "排行榜 — 本月"},
    "growth.leaderboard.title.all": {"en": "Leaderboard — all time", "zh": "排行榜 — 总榜"},
    "growth.leaderboard.line": {"en": "#{rank} {name} — {points} points",
                                "zh": "第 {rank} 名 {name} — {points} 积分"},
    "growth.leaderboard.empty": {
        "en": "Nobody has points in this period yet.",
        "zh": "这段时间还没有人获得积分。",
    },
    "growth.leaderboard.bad_window": {
        "en": "I don't know the period “{window}”. Use week, month or all.",
        "zh": "无法识别时间范围“{window}”。请使用 week（周）、month（月）或 all（全部）。",
    },
    # --- /badges, announcements --------------------------------------------------------
    "growth.badges.list": {"en": "{name}'s badges: {badges}", "zh": "{name} 的徽章：{badges}"},
    "growth.badges.none": {
        "en": "{name} has no badges yet. First message, streaks and helping others earn them.",
        "zh": "{name} 还没有徽章。首次发言、连续活跃和帮助他人都能获得徽章。",
    },
    "growth.badge.announce": {
        "en": "🏅 {name} earned the badge “{badge}”!",
        "zh": "🏅 {name} 获得了徽章“{badge}”！",
    },
    "growth.stage.up": {
        "en": "🎉 Congratulations {name}, you are now {stage}! {perks}",
        "zh": "🎉 恭喜 {name}，你已成为{stage}！{perks}",
    },
    "growth.stage.down": {
        "en": "{name}, your stage is now {stage}. Keep taking part to grow again!",
        "zh": "{name}，你当前的阶段是{stage}。继续参与就能再次成长！",
    },
    "growth.stage.perks": {
        "en": "Perks: {perks}.",
        "zh": "特权：{perks}。",
    },
    "growth.perk.title": {"en": "the title “{title}”", "zh": "头衔“{title}”"},
    "growth.perk.reminders": {"en": "{count} extra reminder slots",
                              "zh": "额外 {count} 个提醒名额"},
    "growth.perk.discount": {"en": "{pct}% off in the shop", "zh": "商店 {pct}% 折扣"},
    "growth.perk.roles": {"en": "roles {roles}", "zh": "身份组 {roles}"},
    "growth.level.up": {"en": "⬆️ {name} reached level {level}!",
                        "zh": "⬆️ {name} 升到了 {level} 级！"},
    # --- /team -----------------------------------------------------------------------
    "growth.team.usage": {
        "en": "Use /team create NAME, /team join NAME, /team leave or /team info [NAME].",
        "zh": "用法：/team create 名称、/team join 名称、/team leave 或 /team info [名称]。",
    },
    "growth.team.created": {
        "en": "Team “{team}” is created and you are its first member. Invite teammates with "
              "/team join {team} — interactions between teammates earn ×{boost} points.",
        "zh": "团队“{team}”已创建，你是第一位成员。邀请队友使用 /team join {team}——"
              "队友之间的互动可获得 ×{boost} 积分。",
    },
    "growth.team.joined": {"en": "You joined team “{team}” ({members} members).",
                           "zh": "你加入了团队“{team}”（{members} 名成员）。"},
    "growth.team.left": {"en": "You left team “{team}”.", "zh": "你已离开团队“{team}”。"},
    "growth.team.info": {
        "en": "Team “{team}”: {members} members, {points} points, rank #{rank}.\n"
              "Members: {names}",
        "zh": "团队“{team}”：{members} 名成员，{points} 积分，排名第 {rank}。\n成员：{names}",
    },
    "growth.team.leaderboard.title": {"en": "Team standings", "zh": "团队排行"},
    "growth.team.leaderboard.line": {
        "en": "#{rank} {team} — {points} points ({members} members)",
        "zh": "第 {rank} 名 {team} — {points} 积分（{members} 名成员）",
    },
    # --- /shop, /buy -----------------------------------------------------------------
    "growth.shop.title": {"en": "Points shop — you have {balance} points to spend:",
                          "zh": "积分商店 — 你有 {balance} 积分可用："},
    "growth.shop.item": {"en": "{item_id} — {name}: {price} points{extra}",
                         "zh": "{item_id} — {name}：{price} 积分{extra}"},
    "growth.shop.stock": {"en": " ({left} left)", "zh": "（剩余 {left}）"},
    "growth.shop.discount": {"en": " (your price after {pct}% off)",
                             "zh": "（已享 {pct}% 折扣）"},
    "growth.shop.empty": {"en": "The shop has no items yet.", "zh": "商店暂时没有商品。"},
    "growth.shop.footer": {"en": "Buy with /buy ITEM.", "zh": "使用 /buy 商品编号 购买。"},
    "growth.buy.usage": {"en": "Tell me what to buy: /buy ITEM (see /shop).",
                         "zh": "请告诉我要买什么：/buy 商品编号（见 /shop）。"},
    "growth.buy.done": {
        "en": "You bought {item} for {price} points. Balance: {balance} points.",
        "zh": "你用 {price} 积分购买了{item}。余额：{balance} 积分。",
    },
    # --- /points grant|revoke ----------------------------------------------------------
    "growth.points.usage": {
        "en": "Use /points grant MEMBER N REASON or /points revoke MEMBER N REASON "
              "(N a whole number above 0).",
        "zh": "用法：/points grant 成员 数量 原因 或 /points revoke 成员 数量 原因"
              "（数量为大于 0 的整数）。",
    },
    "growth.points.granted": {
        "en": "Granted {amount} {category} points to {member} ({reason}). "
              "Their balance: {balance}.",
        "zh": "已给 {member} 增加 {amount} {category}积分（{reason}）。当前余额：{balance}。",
    },
    "growth.points.revoked": {
        "en": "Took {amount} points from {member} ({reason}). Their balance: {balance}.",
        "zh": "已扣除 {member} {amount} 积分（{reason}）。当前余额：{balance}。",
    },
    # --- /helpful ---------------------------------------------------------------------
    "growth.helpful.usage": {
        "en": "Tell me which answer helped: /helpful MESSAGE_ID (or paste the message link).",
        "zh": "请告诉我哪条回答有帮助：/helpful 消息ID（或粘贴消息链接）。",
    },
    "growth.helpful.unknown_message": {
        "en": "I can't find the message “{message}” in this community. Copy its id or link "
              "again.",
        "zh": "本社区中找不到消息“{message}”。请重新复制其 ID 或链接。",
    },
    "growth.helpful.already": {
        "en": "You already marked this answer as helpful.",
        "zh": "你已经将这条回答标记为有用。",
    },
    "growth.helpful.done": {
        "en": "Marked as a helpful answer: {name} gets {points} points. Thank you!",
        "zh": "已标记为有用回答：{name} 获得 {points} 积分。谢谢！",
    },
    # --- more shop and team replies ---------------------------------------------------
    "growth.buy.title_usage": {
        "en": "Write the title after the item: /buy {item_id} YOUR TITLE (1 to {max} "
              "characters, no @ # < > ` * _ ~ | \\).",
        "zh": "请在商品后写上头衔：/buy {item_id} 你的头衔（1 到 {max} 个字符，"
              "不能包含 @ # < > ` * _ ~ | \\）。",
    },
    "growth.buy.title_set": {
        "en": "Your profile now shows the title “{title}”.",
        "zh": "你的个人资料现在显示头衔“{title}”。",
    },
    "growth.buy.recorded": {
        "en": "Your purchase is recorded; a moderator will set it up for you.",
        "zh": "已记录你的购买，版主会为你安排。",
    },
    "growth.team.standings_empty": {
        "en": "There are no teams yet. Start one with /team create NAME.",
        "zh": "还没有团队。使用 /team create 名称 创建一个。",
    },
    "growth.teams_feature_name": {"en": "Teams", "zh": "团队"},
    "growth.shop_feature_name": {"en": "The points shop", "zh": "积分商店"},
    "growth.rank.categories": {"en": "By category: {breakdown}", "zh": "分类：{breakdown}"},
    "growth.profile.title": {"en": " · “{title}”", "zh": " · “{title}”"},
    "growth.list_separator": {"en": ", ", "zh": "、"},
    # --- command descriptions (slash-command lists) -------------------------------------
    "growth.summary.rank": {"en": "Your level, rank and points (or a member's)",
                            "zh": "查看你（或某位成员）的等级、排名和积分"},
    "growth.summary.profile": {"en": "Your growth profile: stage, points, badges, team",
                               "zh": "成长档案：阶段、积分、徽章、团队"},
    "growth.summary.leaderboard": {"en": "Top members this week, this month or all time",
                                   "zh": "本周、本月或总积分排行榜"},
    "growth.summary.badges": {"en": "The badges you (or a member) earned",
                              "zh": "查看你（或某位成员）获得的徽章"},
    "growth.summary.team": {"en": "Create, join, leave or look at teams",
                            "zh": "创建、加入、离开或查看团队"},
    "growth.summary.shop": {"en": "What you can buy with your points",
                            "zh": "查看可用积分购买的商品"},
    "growth.summary.buy": {"en": "Buy an item from the points shop",
                           "zh": "在积分商店购买商品"},
    "growth.summary.points": {"en": "Grant or revoke a member's points, with a reason",
                              "zh": "为成员增加或扣除积分（需填写原因）"},
    "growth.summary.helpful": {"en": "Mark a message as a helpful answer",
                               "zh": "将一条消息标记为有用回答"},
    # --- refusals --------------------------------------------------------------------
    "growth.refusal.cooldown": {
        "en": "No points for this message: wait {seconds} s between messages that earn.",
        "zh": "此消息不计分：两条计分消息之间需间隔 {seconds} 秒。",
    },
    "growth.refusal.too_short": {
        "en": "No points for this message: it is shorter than {min} characters.",
        "zh": "此消息不计分：内容少于 {min} 个字符。",
    },
    "growth.refusal.near_duplicate": {
        "en": "No points for this message: it repeats one of your recent messages.",
        "zh": "此消息不计分：与你最近的消息重复。",
    },
    "growth.refusal.daily_cap": {
        "en": "You reached today's limit of {cap} points — more tomorrow!",
        "zh": "你已达到今日 {cap} 积分上限——明天继续！",
    },
    "growth.refusal.no_points_channel": {
        "en": "Messages in this channel don't earn points.",
        "zh": "此频道的消息不计积分。",
    },
    "growth.refusal.self_interaction": {
        "en": "Reacting to, replying to or marking your own messages earns nothing.",
        "zh": "对自己的消息回应、回复或标记不会获得积分。",
    },
    "growth.refusal.zero_points": {
        "en": "This earns no points here.",
        "zh": "此操作在这里不计积分。",
    },
    "growth.refusal.source_disabled": {
        "en": "This community does not give points for that.",
        "zh": "本社区不为此项发放积分。",
    },
    "growth.refusal.invalid_amount": {
        "en": "“{amount}” is not a valid amount: use a whole number above 0, e.g. 50.",
        "zh": "“{amount}”不是有效数量：请使用大于 0 的整数，例如 50。",
    },
    "growth.refusal.absurd_amount": {
        "en": "{amount} points is more than the allowed maximum of {limit} at once.",
        "zh": "{amount} 积分超过了单次上限 {limit}。",
    },
    "growth.refusal.unknown_category": {
        "en": "There is no points category “{category}”. Categories: {categories}.",
        "zh": "没有名为“{category}”的积分类别。可用类别：{categories}。",
    },
    "growth.refusal.nothing_to_revoke": {
        "en": "{member} has no points to take back.",
        "zh": "{member} 没有可扣除的积分。",
    },
    "growth.refusal.unknown_member": {
        "en": "I don't know the member “{member}” in this community. Mention them or use "
              "their id.",
        "zh": "本社区中找不到成员“{member}”。请 @ 提及对方或使用其 ID。",
    },
    "growth.refusal.missing_reason": {
        "en": "Please add a reason, e.g. /points grant @ann 50 ran the workshop.",
        "zh": "请填写原因，例如：/points grant @ann 50 主持了工作坊。",
    },
    "growth.refusal.unknown_item": {
        "en": "There is no item “{item}” in the shop. See /shop for the list.",
        "zh": "商店里没有“{item}”。请用 /shop 查看商品列表。",
    },
    "growth.refusal.not_enough_points": {
        "en": "{item} costs {price} points but you have {balance}. Keep contributing!",
        "zh": "{item}需要 {price} 积分，你目前有 {balance}。继续加油！",
    },
    "growth.refusal.out_of_stock": {
        "en": "{item} is sold out.",
        "zh": "{item}已售罄。",
    },
    "growth.refusal.limit_reached": {
        "en": "You already bought {item} the maximum of {limit} times.",
        "zh": "你购买{item}已达上限 {limit} 次。",
    },
    "growth.refusal.invalid_discount": {
        "en": "The shop discount is misconfigured ({pct}%); an admin has to fix it.",
        "zh": "商店折扣配置有误（{pct}%），需要管理员修正。",
    },
    "growth.refusal.team_name_too_short": {
        "en": "Team names need at least {min} characters.",
        "zh": "团队名称至少需要 {min} 个字符。",
    },
    "growth.refusal.team_name_too_long": {
        "en": "Team names can have at most {max} characters.",
        "zh": "团队名称最多 {max} 个字符。",
    },
    "growth.refusal.team_name_invalid": {
        "en": "Team names cannot contain @ # < > ` * _ ~ | \\ or control characters.",
        "zh": "团队名称不能包含 @ # < > ` * _ ~ | \\ 或控制字符。",
    },
    "growth.refusal.team_name_taken": {
        "en": "There is already a team called “{name}”. Pick another name or /team join it.",
        "zh": "已经有名为“{name}”的团队。请换一个名称，或使用 /team join 加入它。",
    },
    "growth.refusal.already_in_team": {
        "en": "You are already in team “{team}”. Use /team leave first.",
        "zh": "你已经在团队“{team}”中。请先使用 /team leave。",
    },
    "growth.refusal.not_in_team": {
        "en": "You are not in a team. Create one with /team create NAME.",
        "zh": "你还没有加入团队。使用 /team create 名称 创建一个。",
    },
    "growth.refusal.unknown_team": {
        "en": "There is no team called “{name}”. Check the spelling or create it.",
        "zh": "没有名为“{name}”的团队。请检查拼写或创建它。",
    },
    "growth.refusal.team_full": {
        "en": "Team “{name}” is full ({limit} members).",
        "zh": "团队“{name}”已满（{limit} 名成员）。",
    },
    # --- MEE6 import (operator-facing, from `hearth import mee6`) ------------------------
    "growth.mee6.empty": {
        "en": "line {line}: the file is empty. Export the leaderboard from MEE6 as JSON or "
              "CSV (with a header row) and try again.",
        "zh": "第 {line} 行：文件为空。请从 MEE6 导出 JSON 或带表头的 CSV 排行榜后重试。",
    },
    "growth.mee6.json_syntax": {
        "en": "line {line}: not valid JSON ({detail}). Fix the file there or export it again.",
        "zh": "第 {line} 行：JSON 格式错误（{detail}）。请修正该处或重新导出。",
    },
    "growth.mee6.json_shape": {
        "en": "line {line}: expected a list of members, an object with a \"players\" list, "
              "or an object mapping member ids to XP.",
        "zh": "第 {line} 行：应为成员列表、包含 \"players\" 列表的对象，或成员 ID 到 XP 的映射。",
    },
    "growth.mee6.not_an_object": {
        "en": "line {line}: entry is a {kind}, expected an object like "
              "{{\"id\": \"123456789012345678\", \"xp\": 4500}}.",
        "zh": "第 {line} 行：该项是 {kind}，应为对象，例如 "
              "{{\"id\": \"123456789012345678\", \"xp\": 4500}}。",
    },
    "growth.mee6.missing_id": {
        "en": "line {line}: no member id. Add an id (or user_id) value.",
        "zh": "第 {line} 行：缺少成员 ID。请填写 id（或 user_id）。",
    },
    "growth.mee6.bad_id": {
        "en": "line {line}: member id “{value}” is not a Discord id. Use the digits only, "
              "e.g. 123456789012345678 (quote it in JSON so it keeps every digit).",
        "zh": "第 {line} 行：成员 ID“{value}”不是 Discord ID。请只写数字，例如 "
              "123456789012345678（JSON 中请加引号以免丢失精度）。",
    },
    "growth.mee6.missing_xp": {
        "en": "line {line}: no XP for member {member}. Add an xp (or level) value.",
        "zh": "第 {line} 行：成员 {member} 缺少 XP。请填写 xp（或 level）。",
    },
    "growth.mee6.bad_xp": {
        "en": "line {line}: XP “{value}” for member {member} is not a whole number. "
              "Write digits only, e.g. 4500.",
        "zh": "第 {line} 行：成员 {member} 的 XP“{value}”不是整数。请只写数字，例如 4500。",
    },
    "growth.mee6.negative_xp": {
        "en": "line {line}: XP {value} for member {member} is negative. XP must be 0 or more.",
        "zh": "第 {line} 行：成员 {member} 的 XP {value} 为负数。XP 必须大于或等于 0。",
    },
    "growth.mee6.absurd_xp": {
        "en": "line {line}: XP {value} for member {member} is above the limit of {limit}. "
              "Check the column is XP, not an id.",
        "zh": "第 {line} 行：成员 {member} 的 XP {value} 超过上限 {limit}。"
              "请确认该列是 XP 而不是 ID。",
    },
    "growth.mee6.duplicate": {
        "en": "line {line}: member {member} already appears on line {first}. Keep one row "
              "per member.",
        "zh": "第 {line} 行：成员 {member} 已在第 {first} 行出现。每位成员只保留一行。",
    },
    "growth.mee6.csv_header": {
        "en": "line {line}: the CSV header must name an id column and an xp (or level) "
              "column; found: {found}. Add a header row like: id,xp",
        "zh": "第 {line} 行：CSV 表头需要包含 id 列和 xp（或 level）列；实际为：{found}。"
              "请添加表头，例如：id,xp",
    },
    "growth.mee6.csv_columns": {
        "en": "line {line}: this row has {found} columns but the header has {expected}. "
              "Check for a missing separator.",
        "zh": "第 {line} 行：该行有 {found} 列，而表头有 {expected} 列。请检查是否缺少分隔符。",
    },
    "growth.mee6.csv_syntax": {
        "en": "line {line}: the CSV cannot be read ({detail}). Check quotes on that line.",
        "zh": "第 {line} 行：无法读取 CSV（{detail}）。请检查该行的引号。",
    },
    "growth.mee6.too_many_errors": {
        "en": "line {line}: stopped listing problems after {limit}; is this the right file?",
        "zh": "第 {line} 行：问题超过 {limit} 个，已停止列出；请确认文件是否正确。",
    },
    "growth.mee6.nothing_written": {
        "en": "Nothing was imported because of the problems above. Fix those lines, or run "
              "again with --skip-bad to import only the good rows.",
        "zh": "由于以上问题，没有导入任何数据。请修正这些行，或加上 --skip-bad 只导入正确的行。",
    },
    "growth.mee6.dry_run": {
        "en": "Dry run, nothing written: {imported} members ({xp} XP) would be imported; "
              "{already} were imported before and would stay unchanged.",
        "zh": "试运行，未写入：将导入 {imported} 名成员（{xp} XP）；{already} 名此前已导入，"
              "将保持不变。",
    },
    "growth.mee6.imported": {
        "en": "Imported {imported} members ({xp} XP); {already} were imported before and "
              "were left unchanged.",
        "zh": "已导入 {imported} 名成员（{xp} XP）；{already} 名此前已导入，保持不变。",
    },
    "growth.mee6.summary": {
        "en": "Read {rows} members from the {format} file; {errors} rows have problems.",
        "zh": "从 {format} 文件读取了 {rows} 名成员；{errors} 行有问题。",
    },
}
