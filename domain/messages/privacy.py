"""Privacy replies: data export (/mydata) and erasure (/forgetme)."""

MESSAGES: dict[str, dict[str, str]] = {
    "privacy.summary.mydata": {
        "en": "Get a copy of everything Hearth stores about you",
        "zh": "获取 Hearth 保存的关于你的全部数据",
    },
    "privacy.summary.forgetme": {
        "en": "Erase your data in this community (asks to confirm)",
        "zh": "删除你在本社区的数据（需要确认）",
    },
    "privacy.unavailable": {
        "en": "Data export and erasure are not available here right now; please ask an admin.",
        "zh": "此处暂时无法导出或删除数据，请联系管理员。",
    },
    "privacy.export_dm": {
        "en": "Here is everything Hearth stores about you in {community}: {rows} records from "
              "{tables} tables, as JSON.",
        "zh": "以下是 Hearth 在 {community} 中保存的关于你的全部数据：来自 {tables} 张表的 "
              "{rows} 条记录（JSON 格式）。",
    },
    "privacy.export_sent": {
        "en": "I've sent you your data by direct message ({rows} records). If nothing arrives, "
              "allow direct messages from this server and try /mydata again.",
        "zh": "已通过私信把你的数据发给你（{rows} 条记录）。如果没有收到，请允许本服务器的私信后"
              "再试一次 /mydata。",
    },
    "privacy.export_file": {
        "en": "Your data ({rows} records from {tables} tables) is saved as JSON in {path}.",
        "zh": "你的数据（来自 {tables} 张表的 {rows} 条记录）已保存为 JSON：{path}。",
    },
    "privacy.export_too_large": {
        "en": "Your data export ({rows} records, {size} KB) is too large for a direct message. "
              "It is saved as {file}; ask an admin to send it to you.",
        "zh": "你的数据导出（{rows} 条记录，{size} KB）太大，无法通过私信发送。文件已保存为 "
              "{file}，请联系管理员发给你。",
    },
    "privacy.forget_confirm": {
        "en": "/forgetme erases your data in this community: your messages' text and your name "
              "are deleted, and your points and activity stay only as an anonymous member. This "
              "cannot be undone. To go ahead, type: /forgetme confirm",
        "zh": "/forgetme 会删除你在本社区的数据：消息内容和名字将被删除，积分和活动记录只以匿名"
              "成员的形式保留。此操作无法撤销。确认请输入：/forgetme confirm",
    },
    "privacy.forget_bad_argument": {
        "en": "I didn't understand \"{given}\". To erase your data type exactly: /forgetme "
              "confirm",
        "zh": "无法理解“{given}”。如需删除你的数据，请准确输入：/forgetme confirm",
    },
    "privacy.forgotten": {
        "en": "Done: your data in this community has been erased ({rows} records anonymised or "
              "deleted). Anything you post from now on is stored as usual.",
        "zh": "已完成：你在本社区的数据已删除（{rows} 条记录已匿名化或删除）。之后发布的内容会照常"
              "保存。",
    },
    "privacy.forget_disabled": {
        "en": "Self-service erasure is turned off in this community; please ask an admin to "
              "delete your data.",
        "zh": "本社区未开启自助删除数据功能，请联系管理员删除你的数据。",
    },
}
