"""Time: reminders, announcements, wake-up nudges, digests, triggers, and time-parsing errors.

``time.<code>`` keys are the errors of ``domain.timeparse`` (``TimeError.key``); their fields
are ``TimeError.fields`` and the example is shown with ``time.example``.
"""

MESSAGES: dict[str, dict[str, str]] = {
    # ---- errors of domain.timeparse (TimeError.key) -----------------------------------------
    "time.empty": {
        "en": "Tell me when, and what to remind you of.",
        "zh": "请告诉我时间和要提醒的内容。",
    },
    "time.unrecognised": {
        "en": "I couldn't find a time in that.",
        "zh": "我没有看懂其中的时间。",
    },
    "time.hour_range": {
        "en": "There is no hour {hour}: hours go from 0 to {max}.",
        "zh": "没有 {hour} 点：小时只能是 0 到 {max}。",
    },
    "time.minute_range": {
        "en": "{minute} is not a valid minute: minutes go from 0 to 59.",
        "zh": "{minute} 不是有效的分钟：分钟只能是 0 到 59。",
    },
    "time.invalid_date": {
        "en": "{date} is not a date on the calendar.",
        "zh": "日历上没有 {date} 这一天。",
    },
    "time.past": {
        "en": "{when} has already passed; pick a time in the future.",
        "zh": "{when} 已经过去了，请选择将来的时间。",
    },
    "time.zero_duration": {
        "en": "That is no time at all from now; give a duration such as 10 minutes.",
        "zh": "这个时长为零，请给出例如 10 分钟这样的时长。",
    },
    "time.too_far": {
        "en": "That is too far ahead: at most {days} days from now.",
        "zh": "时间太远了：最多只能设在 {days} 天以内。",
    },
    "time.unknown_timezone": {
        "en": "I don't know the time zone {timezone}.",
        "zh": "我不认识时区 {timezone}。",
    },
    "time.interval_unsupported": {
        "en": "Every {interval} does not divide the hour or the day evenly; use e.g. every 15 "
              "minutes or every 2 hours.",
        "zh": "每 {interval} 无法整除一小时或一天，请用例如每 15 分钟或每 2 小时。",
    },
    "time.example": {"en": "Example: {example}", "zh": "示例：{example}"},

    # ---- shared pieces ---------------------------------------------------------------------
    "time.sep": {"en": ", ", "zh": "、"},
    "time.unit.day": {"en": "{n} d", "zh": "{n} 天"},
    "time.unit.hour": {"en": "{n} h", "zh": "{n} 小时"},
    "time.unit.minute": {"en": "{n} min", "zh": "{n} 分钟"},
    "time.relative": {"en": "in {span}", "zh": "{span}后"},
    "time.relative.now": {"en": "in under a minute", "zh": "不到一分钟后"},
    "time.channel_here": {"en": "this channel", "zh": "本频道"},

    # ---- command summaries -----------------------------------------------------------------
    "time.summary.remind": {"en": "Set a reminder: /remind in 2h check the PR",
                            "zh": "设置提醒：/remind 2小时后 检查PR"},
    "time.summary.reminders": {"en": "List your pending reminders",
                               "zh": "查看你待发送的提醒"},
    "time.summary.timezone": {"en": "Show or set your time zone",
                              "zh": "查看或设置你的时区"},
    "time.summary.nudges": {"en": "Turn re-engagement nudges on or off",
                            "zh": "开启或关闭回访提醒"},
    "time.summary.digest": {"en": "Get the weekly digest by DM (on/off)",
                            "zh": "通过私信接收每周摘要（on/off）"},
    "time.summary.announce": {"en": "Schedule announcements (admins)",
                              "zh": "安排公告（管理员）"},

    # ---- reminders -------------------------------------------------------------------------
    "time.remind.set": {
        "en": "⏰ Reminder #{id} set for {when} ({relative}): {text}",
        "zh": "⏰ 已设置提醒 #{id}：{when}（{relative}）：{text}",
    },
    "time.remind.fire": {"en": "⏰ Reminder: {text}", "zh": "⏰ 提醒：{text}"},
    "time.remind.fire_late": {
        "en": "⏰ Reminder (due {due}, delivered late): {text}",
        "zh": "⏰ 提醒（原定 {due}，延迟送达）：{text}",
    },
    "time.remind.no_text": {"en": "(no text)", "zh": "（无内容）"},
    "time.remind.limit": {
        "en": "You already have {limit} pending reminders, the most you can have. Cancel one "
              "with /remind cancel ID (see /reminders).",
        "zh": "你已有 {limit} 个待发送的提醒，已达上限。可用 /remind cancel 编号 取消一个（见 "
              "/reminders）。",
    },
    "time.remind.off": {
        "en": "Reminders are turned off in this community.",
        "zh": "本社区未开启提醒功能。",
    },
    "time.remind.usage": {
        "en": "Usage: /remind in 2h check the PR · /remind at 2026-12-01 09:00 call Ana · "
              "/remind cancel ID · /reminders",
        "zh": "用法：/remind 2小时后 检查PR · /remind 明天上午9点 开会 · /remind cancel 编号 · "
              "/reminders",
    },
    "time.remind.cancelled": {"en": "Reminder #{id} cancelled.", "zh": "提醒 #{id} 已取消。"},
    "time.remind.not_found": {
        "en": "You have no pending reminder #{id}. See /reminders for yours.",
        "zh": "你没有待发送的提醒 #{id}。用 /reminders 查看你的提醒。",
    },
    "time.remind.bad_id": {
        "en": "{given} is not a reminder number; use the # number from /reminders, e.g. "
              "/remind cancel 12.",
        "zh": "{given} 不是提醒编号；请使用 /reminders 中的编号，例如 /remind cancel 12。",
    },
    "time.reminders.header": {"en": "Your reminders ({count}):", "zh": "你的提醒（{count} 个）："},
    "time.reminders.item": {"en": "#{id} · {when} · {text}", "zh": "#{id} · {when} · {text}"},
    "time.reminders.empty": {
        "en": "You have no pending reminders. Set one with /remind in 2h check the PR.",
        "zh": "你没有待发送的提醒。可以用 /remind 2小时后 检查PR 设置一个。",
    },

    # ---- time zone -------------------------------------------------------------------------
    "time.tz.set": {
        "en": "Your time zone is now {timezone} (it is {now} there).",
        "zh": "你的时区已设为 {timezone}（当地时间 {now}）。",
    },
    "time.tz.show_member": {
        "en": "Your time zone is {timezone} (it is {now} there). Change it with /timezone "
              "Asia/Shanghai.",
        "zh": "你的时区是 {timezone}（当地时间 {now}）。可用 /timezone Asia/Shanghai 修改。",
    },
    "time.tz.show_community": {
        "en": "You use the community's time zone, {timezone} (it is {now} there). Set your own "
              "with /timezone Europe/Berlin.",
        "zh": "你在使用社区时区 {timezone}（当地时间 {now}）。可用 /timezone Asia/Shanghai "
              "设置你自己的时区。",
    },
    "time.tz.reset": {
        "en": "Your own time zone is removed; you use the community's, {timezone}.",
        "zh": "已移除你的时区设置，现在使用社区时区 {timezone}。",
    },
    "time.tz.unknown": {
        "en": "I don't know the time zone {given}.{suggestion} Use an IANA name such as "
              "Asia/Shanghai or Europe/Berlin, or an offset like UTC+8.",
        "zh": "我不认识时区 {given}。{suggestion}请使用 IANA 名称，例如 Asia/Shanghai 或 "
              "Europe/Berlin，或 UTC+8 这样的偏移。",
    },
    "time.tz.suggest": {"en": " Did you mean {name}?", "zh": "你是不是想输入 {name}？"},

    # ---- nudges / digest opt-in ------------------------------------------------------------
    "time.nudges.off": {
        "en": "OK, no more nudges from us. /nudges on turns them back on.",
        "zh": "好的，我们不会再给你发送回访提醒。用 /nudges on 可重新开启。",
    },
    "time.nudges.on": {
        "en": "Nudges are on: we may check in if you are away for a while. /nudges off stops "
              "them.",
        "zh": "回访提醒已开启：你离开一段时间后我们可能会问候你。用 /nudges off 关闭。",
    },
    "time.nudges.status_on": {
        "en": "Nudges are on for you. /nudges off stops them.",
        "zh": "你的回访提醒已开启。用 /nudges off 关闭。",
    },
    "time.nudges.status_off": {
        "en": "Nudges are off for you. /nudges on turns them back on.",
        "zh": "你的回访提醒已关闭。用 /nudges on 开启。",
    },
    "time.nudges.usage": {"en": "Usage: /nudges on | off", "zh": "用法：/nudges on | off"},
    "time.digest.on": {
        "en": "You will get the weekly digest by DM. /digest off stops it.",
        "zh": "你将通过私信收到每周摘要。用 /digest off 取消。",
    },
    "time.digest.off": {
        "en": "You will no longer get the digest by DM.",
        "zh": "你将不再通过私信收到摘要。",
    },
    "time.digest.status_on": {"en": "You get the weekly digest by DM. /digest off stops it.",
                              "zh": "你正在通过私信接收每周摘要。用 /digest off 取消。"},
    "time.digest.status_off": {"en": "You don't get the digest by DM. /digest on to subscribe.",
                               "zh": "你没有订阅摘要私信。用 /digest on 订阅。"},
    "time.digest.usage": {"en": "Usage: /digest on | off", "zh": "用法：/digest on | off"},

    # ---- announcements ---------------------------------------------------------------------
    "time.announce.usage": {
        "en": "Usage: /announce every monday 10:00 #general text · /announce at 2026-12-01 "
              "10:00 #general text · /announce list · /announce cancel ID",
        "zh": "用法：/announce 每周一 10:00 #general 内容 · /announce 2026-12-01 10:00 #general "
              "内容 · /announce list · /announce cancel 编号",
    },
    "time.announce.no_text": {
        "en": "What should I post? Put the text after the time and channel, e.g. /announce "
              "every monday 10:00 #general Weekly thread is open!",
        "zh": "要发布什么内容？请把内容写在时间和频道之后，例如 /announce 每周一 10:00 "
              "#general 每周话题开始啦！",
    },
    "time.announce.recurring": {
        "en": "📣 Announcement #{id} scheduled {schedule} in {channel}. Next: {times}",
        "zh": "📣 已安排公告 #{id}：{schedule}，发布到 {channel}。接下来：{times}",
    },
    "time.announce.once": {
        "en": "📣 Announcement #{id} scheduled for {when} ({relative}) in {channel}.",
        "zh": "📣 已安排公告 #{id}：{when}（{relative}），发布到 {channel}。",
    },
    "time.announce.post": {"en": "📣 {text}", "zh": "📣 {text}"},
    "time.announce.list_header": {"en": "Scheduled announcements ({count}):",
                                  "zh": "已安排的公告（{count} 个）："},
    "time.announce.item_recurring": {
        "en": "#{id} · {schedule} · next {next} · {channel} · {text}",
        "zh": "#{id} · {schedule} · 下次 {next} · {channel} · {text}",
    },
    "time.announce.item_once": {
        "en": "#{id} · {next} · {channel} · {text}",
        "zh": "#{id} · {next} · {channel} · {text}",
    },
    "time.announce.from_config": {"en": " (from the config)", "zh": "（来自配置文件）"},
    "time.announce.list_empty": {"en": "No announcements are scheduled.",
                                 "zh": "目前没有安排任何公告。"},
    "time.announce.cancelled": {"en": "Announcement #{id} cancelled.",
                                "zh": "公告 #{id} 已取消。"},
    "time.announce.not_found": {
        "en": "There is no scheduled announcement #{id} here. See /announce list.",
        "zh": "这里没有已安排的公告 #{id}。请查看 /announce list。",
    },
    "time.announce.config_owned": {
        "en": "Announcement #{id} comes from the config file; remove it there (it would be "
              "scheduled again at the next start).",
        "zh": "公告 #{id} 来自配置文件，请在配置文件中删除（否则下次启动时会重新安排）。",
    },
    "time.announce.bad_id": {
        "en": "{given} is not an announcement number; use the # number from /announce list.",
        "zh": "{given} 不是公告编号；请使用 /announce list 中的编号。",
    },
    "time.announce.bad_schedule": {
        "en": "That schedule cannot be used: {problem}",
        "zh": "无法使用该时间安排：{problem}",
    },
    "time.announce.every": {"en": "{schedule} (cron {cron}, {timezone})",
                            "zh": "{schedule}（cron {cron}，{timezone}）"},

    # ---- growth reminder and wake-up journey -----------------------------------------------
    "time.wake.reminder": {
        "en": "Hi {name}! It's been {days} days since we saw you. You are {stage} with {points} "
              "points; {progress}",
        "zh": "{name}，你好！已经 {days} 天没见到你了。你目前是{stage}，共 {points} 积分；"
              "{progress}",
    },
    "time.wake.progress.next": {
        "en": "to become {next} you need {needs}.",
        "zh": "要成为{next}，还需要 {needs}。",
    },
    "time.wake.progress.close": {
        "en": "you are close to {next}: {needs} to go.",
        "zh": "你离{next}很近了：还差 {needs}。",
    },
    "time.wake.progress.top": {
        "en": "you are at the top stage, and people miss your voice.",
        "zh": "你已是最高阶段，大家都很想念你。",
    },
    "time.wake.need.points": {"en": "{n} more points", "zh": "{n} 积分"},
    "time.wake.need.days": {"en": "{n} more active days", "zh": "{n} 个活跃日"},
    "time.wake.need.helpful": {"en": "{n} more helpful answers", "zh": "{n} 个有用回答"},
    "time.wake.need.top": {"en": "a place in the top {pct}% of recent contributors",
                           "zh": "进入近期贡献前 {pct}%"},
    "time.wake.perk.bonus": {
        "en": "{name}, come back within {days} days and {points} bonus points are yours. We'd "
              "love to hear what you're up to!",
        "zh": "{name}，{days} 天内回来就能获得 {points} 奖励积分。很想听听你的近况！",
    },
    "time.wake.perk.stage": {
        "en": "{name}, your {perks} are still here waiting for you. Come say hi!",
        "zh": "{name}，你的{perks}还在等着你。回来打个招呼吧！",
    },
    "time.wake.perk.generic": {
        "en": "{name}, your place here is kept for you. Come say hi and tell us what's new!",
        "zh": "{name}，这里一直为你留着位置。回来打个招呼，说说你的近况吧！",
    },
    "time.wake.social": {
        "en": "{name}, people you used to talk with are around: {peers}. Drop by and say hi?",
        "zh": "{name}，你以前常聊的朋友们都在：{peers}。要不要回来打个招呼？",
    },
    "time.wake.social.fallback": {
        "en": "{name}, the conversations in {channels} were lively this week. Come join in?",
        "zh": "{name}，本周 {channels} 里的讨论很热闹，要不要一起来聊聊？",
    },
    "time.wake.peer.active": {
        "en": "{peer} posted {messages} messages, mostly in {channel}",
        "zh": "{peer} 发了 {messages} 条消息，主要在 {channel}",
    },
    "time.wake.peer.badge": {"en": "{peer} earned the badge {badge}",
                             "zh": "{peer} 获得了徽章「{badge}」"},
    "time.wake.peer.stage": {"en": "{peer} became {stage}", "zh": "{peer} 成为了{stage}"},
    "time.wake.peer.around": {"en": "{peer} is still around", "zh": "{peer} 还在这里"},
    "time.wake.recall": {
        "en": "🤝 Personal recall: {member} has been quiet for {days} days and our nudges did "
              "not bring them back. They used to talk with {peers} and post in {channels}. "
              "Could one of you reach out personally?",
        "zh": "🤝 人工回访：{member} 已经 {days} 天没有发言，自动提醒没有唤回。TA 以前常和 "
              "{peers} 交流，常在 {channels} 发言。能请一位同伴亲自联系一下吗？",
    },
    "time.wake.digest": {
        "en": "{name}, here is what happened lately in the places you like:\n{items}",
        "zh": "{name}，这是你常去的频道最近的动态：\n{items}",
    },
    "time.wake.digest.item": {"en": "• {author} in {channel}: {snippet}",
                              "zh": "• {author} 在 {channel}：{snippet}"},
    "time.wake.digest.none": {
        "en": "{name}, the community keeps growing; come see what's new when you have a "
              "minute.",
        "zh": "{name}，社区一直在成长，有空回来看看新动态吧。",
    },
    "time.wake.optout": {"en": "(Reply /nudges off to stop these messages.)",
                         "zh": "（回复 /nudges off 可不再接收此类消息。）"},
    "time.wake.bonus_paid": {
        "en": "Welcome back! {points} bonus points are yours.",
        "zh": "欢迎回来！{points} 奖励积分已到账。",
    },
    "time.nobody": {"en": "people from the community", "zh": "社区里的朋友"},
    "time.somewhere": {"en": "the community", "zh": "社区"},

    # ---- weekly digest ---------------------------------------------------------------------
    "time.digest.title": {
        "en": "🗞️ {community}: the week of {start} to {end}",
        "zh": "🗞️ {community}：{start} 至 {end} 的一周",
    },
    "time.digest.new_members": {
        "en": "👋 New members: {count} ({names})",
        "zh": "👋 新成员：{count} 位（{names}）",
    },
    "time.digest.no_new_members": {"en": "👋 No new members this week.",
                                   "zh": "👋 本周没有新成员。"},
    "time.digest.top_header": {"en": "🏆 Top contributors:", "zh": "🏆 贡献榜："},
    "time.digest.top_item": {"en": "{rank}. {name}: {points} points",
                             "zh": "{rank}. {name}：{points} 积分"},
    "time.digest.stage_ups": {"en": "⬆️ Stage-ups: {items}", "zh": "⬆️ 阶段晋升：{items}"},
    "time.digest.stage_item": {"en": "{name} → {stage}", "zh": "{name} → {stage}"},
    "time.digest.badges": {"en": "🏅 Badges: {items}", "zh": "🏅 徽章：{items}"},
    "time.digest.badge_item": {"en": "{name} ({badge})", "zh": "{name}（{badge}）"},
    "time.digest.highlights_header": {"en": "✨ Highlights:", "zh": "✨ 精选："},
    "time.digest.highlight_item": {
        "en": "{rank}. {author} in {channel}: “{snippet}” ({reactions} reactions, {replies} "
              "replies)",
        "zh": "{rank}. {author} 在 {channel}：“{snippet}”（{reactions} 个表情，{replies} 条回复）",
    },
    "time.digest.engagement_only": {
        "en": "(Highlights are ranked by engagement only: no content quality scores yet.)",
        "zh": "（精选仅按互动排序：暂无内容质量评分。）",
    },
    "time.digest.quiet": {"en": "A quiet week — see you in the channels!",
                          "zh": "本周比较安静，频道里见！"},
    "time.digest.footer": {"en": "Get this by DM every week: /digest on",
                           "zh": "每周通过私信接收：/digest on"},

    # ---- scenario triggers -----------------------------------------------------------------
    "time.trigger.faq": {"en": "💡 {text}", "zh": "💡 {text}"},
    "time.trigger.resources": {"en": "📚 Resources: {text}", "zh": "📚 相关资源：{text}"},
    "time.trigger.welcome": {"en": "👋 Welcome, {name}! {text}",
                             "zh": "👋 欢迎你，{name}！{text}"},
    "time.trigger.suggest_channel": {
        "en": "👉 You might like {channel}: {text}",
        "zh": "👉 你也许会喜欢 {channel}：{text}",
    },
    "time.trigger.unanswered": {
        "en": "Nobody has answered yet; maybe this helps: {content}",
        "zh": "暂时还没有人回答，也许这能帮到你：{content}",
    },
}
