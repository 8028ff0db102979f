"""The web app's error messages in English and Russian (worded when shown: :func:`crmflow.i18n.error`;
the app's error handler words them in the user's language)."""

from __future__ import annotations

ERRORS: dict[str, dict[str, str]] = {
    "projects.unknown_mapping_fields": {
        "en": "unknown field(s) {unknown} in the mapping: use {fields}",
        "ru": "неизвестные поля {unknown} в сопоставлении колонок: используйте {fields}",
    },
    "accounts.unknown_role": {
        "en": "unknown role {role!r}: use one of {value}",
        "ru": "неизвестная роль {role!r}: укажите одну из {value}",
    },
    "accounts.bad_user_name": {
        "en": "user name {name!r} must be 1-64 characters without spaces",
        "ru": "имя пользователя {name!r} должно содержать от 1 до 64 символов без пробелов",
    },
    "accounts.password_too_short": {
        "en": "the password of {name!r} is too short: use at least {min_password} characters",
        "ru": "пароль пользователя {name!r} слишком короткий: нужно не меньше {min_password:# символа|символов|символов}",
    },
    "accounts.user_exists": {
        "en": "user {name!r} already exists",
        "ru": "пользователь {name!r} уже существует",
    },
    "modeler_props.no_element": {
        "en": "no element {element_id!r} in the To-Be model: save the diagram first",
        "ru": "в модели To-Be нет элемента {element_id!r}: сначала сохраните диаграмму",
    },
    "modeler_props.sla_ids": {
        "en": "every SLA needs an id, and the ids must differ",
        "ru": "у каждого SLA должен быть id, и id не должны повторяться",
    },
    "modeler_props.check_id": {
        "en": "every data check needs an id",
        "ru": "у каждой проверки данных должен быть id",
    },
    "modeler_props.no_properties": {
        "en": "element {element_id!r} has no crmflow properties (it was drawn, not compiled)",
        "ru": "у элемента {element_id!r} нет свойств crmflow (он нарисован, но не скомпилирован)",
    },
    "modeler_props.not_task": {
        "en": "element {element_id!r} is not a task: only tasks have SLAs and rules",
        "ru": "элемент {element_id!r} не задача: SLA и правила бывают только у задач",
    },
    "costs.not_number": {
        "en": "cost per hour of role {role!r}: {value!r} is not a number",
        "ru": "стоимость часа роли {role!r}: {value!r} не число",
    },
    "costs.negative": {
        "en": "cost per hour of role {role!r}: {value!r} must be ≥ 0 (and the role named)",
        "ru": "стоимость часа роли {role!r}: {value!r} должна быть ≥ 0 (и роль должна быть названа)",
    },
    "pages.choose_file": {
        "en": "choose a file to upload",
        "ru": "выберите файл для загрузки",
    },
    "pages.choose_survey": {
        "en": "choose a survey file to upload",
        "ru": "выберите файл опроса для загрузки",
    },
    "pages.no_finding": {
        "en": "the audit of {name!r} has no finding {finding}",
        "ru": "в аудите {name!r} нет находки {finding}",
    },
    "pages.finding_or_edge": {
        "en": "give a finding (?finding=N) or an edge (?source=A&target=B)",
        "ru": "укажите находку (?finding=N) или переход (?source=A&target=B)",
    },
    "work.may_not": {
        "en": "{user_name} ({user_role}) may not {permission}",
        "ru": "{user_name} ({user_role}) не имеет права: {permission}",
    },
    "work.task_out_of_scope": {
        "en": "task {task_id} is not in the scope of {user_name} ({user_role})",
        "ru": "задача {task_id} вне области доступа {user_name} ({user_role})",
    },
    "work.may_not_claim": {
        "en": "{user_name} may not claim task {task_id} (assigned to {task_assignee})",
        "ru": "{user_name} не может взять задачу {task_id} (она назначена на {task_assignee})",
    },
    "work.may_not_complete": {
        "en": "{user_name} may not complete task {task_id}: claim it first (assignee: {task_assignee})",
        "ru": "{user_name} не может завершить задачу {task_id}: сначала возьмите её (исполнитель: {task_assignee})",
    },
    "work.delegate_no_user": {
        "en": "cannot delegate task {task_id} to {to!r}: no such user",
        "ru": "нельзя передать задачу {task_id} пользователю {to!r}: такого пользователя нет",
    },
    "work.may_not_delegate": {
        "en": "{user_name} may not delegate task {task_id} to {to}",
        "ru": "{user_name} не может передать задачу {task_id} пользователю {to}",
    },
    "api.no_survey": {
        "en": "project {name!r} has no survey yet: upload one (POST /api/projects/{name}/survey)",
        "ru": "у проекта {name!r} ещё нет опроса: загрузите его (POST /api/projects/{name}/survey)",
    },
    "api.no_audit": {
        "en": "project {name!r} has no audit yet: run it first (POST /api/projects/{name}/audit)",
        "ru": "у проекта {name!r} ещё нет аудита: сначала запустите его (POST /api/projects/{name}/audit)",
    },
    "api.may_not_read": {
        "en": "{user_name} may not read project {name}",
        "ru": "{user_name} не может читать проект {name}",
    },
    "api.no_as_is_bpmn": {
        "en": "the audit of {name!r} has no As-Is BPMN",
        "ru": "в аудите {name!r} нет BPMN-модели As-Is",
    },
    "api.no_finding": {
        "en": "the audit of {name!r} has no finding {finding}",
        "ru": "в аудите {name!r} нет находки {finding}",
    },
    "api.finding_or_edge": {
        "en": "give a finding (?finding=N) or an edge (?source=A&target=B)",
        "ru": "укажите находку (?finding=N) или переход (?source=A&target=B)",
    },
    "modeler.model_too_large": {
        "en": "the To-Be model is {size} bytes; at most {max_model} are accepted",
        "ru": "модель To-Be занимает {size:n} байт; принимается не больше {max_model:n}",
    },
    "alerts.no_costs": {
        "en": "project {name!r} has no cost-per-role table: PUT /api/projects/{name}/costs first",
        "ru": "у проекта {name!r} нет таблицы стоимости часа по ролям: сначала выполните PUT /api/projects/{name}/costs",
    },
    "crm_pull.unknown_crm": {
        "en": "unknown CRM {vendor!r}: use one of {value}",
        "ru": "неизвестная CRM {vendor!r}: укажите одну из {value}",
    },
    "survey.not_text": {
        "en": "{file}: not UTF-8 or cp1251 text",
        "ru": "{file}: это не текст в UTF-8 или cp1251",
    },
    "survey.empty": {
        "en": "{file}: empty; expected a header line (deal id, NPS and/or CES) and answers",
        "ru": "{file}: файл пуст; ожидалась строка заголовков (id сделки, NPS и/или CES) и ответы",
    },
    "survey.no_columns": {
        "en": "{file}: need a deal/case id column and an NPS or CES column; the headers are {value}",
        "ru": "{file}: нужна колонка с id сделки/случая и колонка NPS или CES; заголовки файла: {value}",
    },
    "explorer.no_attribute": {
        "en": "the log has no attribute {attribute!r}; it has: {value}",
        "ru": "в журнале нет атрибута {attribute!r}; есть: {value}",
    },
    "explorer.not_date": {
        "en": "{name}: {value!r} is not a date (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM)",
        "ru": "{name}: {value!r} не дата (ожидалось ГГГГ-ММ-ДД или ГГГГ-ММ-ДДTЧЧ:ММ)",
    },
    "explorer.not_percentage": {
        "en": "{name} must be a percentage from 0 to 100, got {value}",
        "ru": "{name} должен быть процентом от 0 до 100, а получено {value}",
    },
    "explorer.no_case": {
        "en": "no case {case_id!r} in the log",
        "ru": "в журнале нет случая {case_id!r}",
    },
    "projects.bad_name": {
        "en": "project name {name!r} must have 1-64 letters, digits, '-' or '_'",
        "ru": "имя проекта {name!r} должно содержать от 1 до 64 букв, цифр, '-' или '_'",
    },
    "projects.empty_file_name": {
        "en": "uploaded file name {name!r} is empty after removing path parts",
        "ru": "имя загруженного файла {name!r} пусто после удаления частей пути",
    },
    "projects.upload_too_large": {
        "en": "{filename}: more than the upload limit of {max_upload} bytes; nothing was kept",
        "ru": "{filename}: больше предела загрузки в {max_upload:n} байт; ничего не сохранено",
    },
    "projects.no_store": {
        "en": "{path}: no such project store; create it with `crmflow import SOURCE... --into {path_name}`",
        "ru": "{path}: такого хранилища проекта нет; создайте его командой `crmflow import SOURCE... --into {path_name}`",
    },
    "projects.no_project": {
        "en": "no project {name!r}",
        "ru": "проекта {name!r} нет",
    },
    "projects.exists": {
        "en": "project {s!r} already exists",
        "ru": "проект {s!r} уже существует",
    },
    "projects.no_uploads": {
        "en": "project {name!r} has no uploaded files to import",
        "ru": "в проекте {name!r} нет загруженных файлов для импорта",
    },
    "projects.nothing_imported": {
        "en": "project {name!r} has nothing imported yet: upload a CRM export first",
        "ru": "в проект {name!r} ещё ничего не импортировано: сначала загрузите выгрузку из CRM",
    },
    "projects.no_file": {
        "en": "no file {filename!r} in the audit of {name!r}",
        "ru": "в аудите {name!r} нет файла {filename!r}",
    },
    "app.may_not": {
        "en": "{user_name} ({user_role}) may not {permission}",
        "ru": "{user_name} ({user_role}) не имеет права: {permission}",
    },
    "modeler.not_well_formed": {
        "en": "the To-Be of {project!r} was not saved: not well-formed XML ({exc})",
        "ru": "модель To-Be проекта {project!r} не сохранена: XML составлен неверно ({exc})",
    },
    "modeler.not_saved": {
        "en": "the To-Be of {project!r} was not saved: {problem}",
        "ru": "модель To-Be проекта {project!r} не сохранена: {problem}",
    },
    "modeler.has_errors": {
        "en": "the To-Be of {project!r} has errors, fix them before compiling: {errors}",
        "ru": "в модели To-Be проекта {project!r} есть ошибки, исправьте их перед компиляцией: {errors}",
    },
    "modeler.not_compiled": {
        "en": "the To-Be of {project!r} is not compiled yet: compile it first",
        "ru": "модель To-Be проекта {project!r} ещё не скомпилирована: сначала скомпилируйте её",
    },
    "modeler.stale": {
        "en": "the To-Be of {project!r} is not compiled since the last save: compile it first",
        "ru": "модель To-Be проекта {project!r} не компилировалась после последнего сохранения: сначала скомпилируйте её",
    },
    "tasks.no_instance": {
        "en": "no process instance {instance_id!r}",
        "ru": "нет экземпляра процесса {instance_id!r}",
    },
    "tasks.no_task": {
        "en": "no task {task_id!r}",
        "ru": "нет задачи {task_id!r}",
    },
    "tasks.claim_not_open": {
        "en": "task {task_id} is {task_state}; only open tasks can be claimed",
        "ru": "задача {task_id} в состоянии {task_state}; взять можно только открытую задачу",
    },
    "tasks.already_claimed": {
        "en": "task {task_id} is already claimed by {task_assignee}",
        "ru": "задачу {task_id} уже взял {task_assignee}",
    },
    "tasks.already_done": {
        "en": "task {task_id} is already {task_state}",
        "ru": "задача {task_id} уже в состоянии {task_state}",
    },
    "tasks.claim_first": {
        "en": "task {task_id} is assigned to {assignee}; claim it before completing",
        "ru": "задача {task_id} назначена на {assignee}; возьмите её, прежде чем завершать",
    },
    "tasks.delegate_not_open": {
        "en": "task {task_id} is {task_state}; only open tasks can be delegated",
        "ru": "задача {task_id} в состоянии {task_state}; передать можно только открытую задачу",
    },
    "tasks.delegate_to_whom": {
        "en": "delegate to whom? give a user name",
        "ru": "кому передать? укажите имя пользователя",
    },
    "tasks.no_incident": {
        "en": "no incident {incident_id!r}",
        "ru": "нет инцидента {incident_id!r}",
    },
    "tasks.incident_resolved": {
        "en": "incident {incident_id} is already resolved",
        "ru": "инцидент {incident_id} уже закрыт",
    },
    "alerts.bad_kind": {
        "en": "alert rule {rule_id!r}: kind {kind!r} is not one of {value}",
        "ru": "правило оповещения {rule_id!r}: вид {kind!r} не входит в {value}",
    },
    "alerts.bad_id": {
        "en": "an alert rule needs an id of 1–64 characters",
        "ru": "правилу оповещения нужен id длиной от 1 до 64 символов",
    },
    "alerts.bad_metric": {
        "en": "alert rule {rule_id!r}: metric {rule_metric!r} is not one of {value}",
        "ru": "правило оповещения {rule_id!r}: метрика {rule_metric!r} не входит в {value}",
    },
    "alerts.bad_op": {
        "en": "alert rule {rule_id!r}: op {rule_op!r} must be `above` or `below`",
        "ru": "правило оповещения {rule_id!r}: op {rule_op!r} должен быть `above` или `below`",
    },
    "alerts.bad_limits": {
        "en": "alert rule {rule_id!r}: hours must be > 0 and cases within 1–100000",
        "ru": "правило оповещения {rule_id!r}: hours должно быть > 0, а cases — от 1 до 100 000",
    },
    "alerts.bad_webhook": {
        "en": "alert webhook {url!r}: use an http:// or https:// URL",
        "ru": "вебхук оповещений {url!r}: укажите адрес http:// или https://",
    },
    "alerts.no_rule": {
        "en": "no alert rule {rule_id!r} in project {project!r}",
        "ru": "в проекте {project!r} нет правила оповещения {rule_id!r}",
    },
    "alerts.no_alert": {
        "en": "no alert {alert_id}",
        "ru": "нет оповещения {alert_id}",
    },
}

__all__ = ["ERRORS"]
