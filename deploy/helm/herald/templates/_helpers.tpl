{{/*
The chart's name, overridable with nameOverride.
*/}}
{{- define "herald.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The release's full name, the prefix of every resource: fullnameOverride, or <release>-<name>
(just <release> when it already contains the name). Truncated to 63 characters (DNS labels).
*/}}
{{- define "herald.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "herald.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels on every resource.
*/}}
{{- define "herald.labels" -}}
helm.sh/chart: {{ include "herald.chart" . }}
{{ include "herald.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: herald
{{- end }}

{{/*
Labels that select the release's pods (and the ServiceMonitor's services).
*/}}
{{- define "herald.selectorLabels" -}}
app.kubernetes.io/name: {{ include "herald.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
One app's resource name. Takes (dict "root" $ "component" "ingest").
*/}}
{{- define "herald.componentName" -}}
{{- printf "%s-%s" (include "herald.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
One app's labels and selector labels. Take (dict "root" $ "component" "ingest").
*/}}
{{- define "herald.componentLabels" -}}
{{ include "herald.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "herald.componentSelectorLabels" -}}
{{ include "herald.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
What the chart knows about each app, keyed like .Values.apps: the component name used in
resource names and labels, the entry point in the image, and the variable that sets its port.
Use as: $meta := include "herald.appMeta" . | fromYaml
*/}}
{{- define "herald.appMeta" -}}
subscriptions:
  component: subscriptions
  entrypoint: dist/apps/subscriptions/src/main.js
  portEnv: SUBSCRIPTIONS_PORT
ingest:
  component: ingest
  entrypoint: dist/apps/ingest/src/main.js
  portEnv: INGEST_PORT
realtimeGateway:
  component: realtime-gateway
  entrypoint: dist/apps/realtime-gateway/src/main.js
  portEnv: GATEWAY_PORT
dispatcher:
  component: dispatcher
  entrypoint: dist/apps/dispatcher/src/main.js
  portEnv: DISPATCHER_PORT
{{- end }}

{{/*
The image reference: repository@digest when a digest is set, else repository:tag (tag defaults
to the chart's appVersion).
*/}}
{{- define "herald.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (toString (.Values.image.tag | default .Chart.AppVersion)) }}
{{- end }}
{{- end }}

{{/*
The ServiceAccount the apps run as.
*/}}
{{- define "herald.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "herald.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The Secret the apps read their secret environment from.
*/}}
{{- define "herald.secretName" -}}
{{- default (include "herald.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/*
A bundled subchart's full name, as its own fullname helper computes it with default values.
Takes (dict "root" $ "name" "nats").
*/}}
{{- define "herald.subchartFullname" -}}
{{- if contains .name .root.Release.Name }}
{{- .root.Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .root.Release.Name .name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
NATS_URL for the ConfigMap: config.natsUrl, else the bundled server when nats.enabled, else
empty when the Secret may carry it (existingSecret, or NATS_URL in secrets.extraEnv).
*/}}
{{- define "herald.natsUrl" -}}
{{- if .Values.config.natsUrl }}
{{- .Values.config.natsUrl }}
{{- else if .Values.nats.enabled }}
{{- printf "nats://%s:4222" (include "herald.subchartFullname" (dict "root" . "name" "nats")) }}
{{- else if not (or .Values.secrets.existingSecret (hasKey .Values.secrets.extraEnv "NATS_URL")) }}
{{- fail "config.natsUrl is required: a NATS server with JetStream (or set nats.enabled=true for the bundled one)" }}
{{- end }}
{{- end }}

{{/*
DATABASE_URL for the chart's Secret: secrets.databaseUrl, else the bundled PostgreSQL.
*/}}
{{- define "herald.databaseUrl" -}}
{{- if .Values.secrets.databaseUrl }}
{{- .Values.secrets.databaseUrl }}
{{- else if .Values.postgresql.enabled }}
{{- $auth := .Values.postgresql.auth }}
{{- $password := required "postgresql.auth.password is required with postgresql.enabled: it goes into DATABASE_URL" $auth.password }}
{{- $host := include "herald.subchartFullname" (dict "root" . "name" "postgresql") }}
{{- printf "postgres://%s:%s@%s:5432/%s" (urlquery $auth.username) (urlquery $password) $host $auth.database }}
{{- else }}
{{- fail "secrets.databaseUrl is required: postgres://user:password@host:5432/herald (or set secrets.existingSecret, or postgresql.enabled=true)" }}
{{- end }}
{{- end }}

{{/*
HERALD_ADMIN_TOKEN, checked like the apps check it (16+ characters).
*/}}
{{- define "herald.adminToken" -}}
{{- $token := required "secrets.adminToken is required (16+ characters), or set secrets.existingSecret" .Values.secrets.adminToken }}
{{- if lt (len $token) 16 }}
{{- fail "secrets.adminToken must be at least 16 characters" }}
{{- end }}
{{- $token }}
{{- end }}

{{/*
HERALD_ENCRYPTION_KEY, checked to be 32 bytes of base64.
*/}}
{{- define "herald.encryptionKey" -}}
{{- $key := required "secrets.encryptionKey is required: 32 random bytes, base64 (openssl rand -base64 32), or set secrets.existingSecret" .Values.secrets.encryptionKey }}
{{- if ne (len (b64dec $key)) 32 }}
{{- fail "secrets.encryptionKey must be 32 bytes, base64-encoded (openssl rand -base64 32)" }}
{{- end }}
{{- $key }}
{{- end }}

{{/*
Annotations that make a resource a hook created before the migrations Job: a pre-install hook
runs before the release's ordinary resources exist, so the ConfigMap and Secret it reads must be
hooks too (with a lower weight). Hook resources are not deleted by `helm uninstall`.
*/}}
{{- define "herald.hookAnnotations" -}}
"helm.sh/hook": pre-install,pre-upgrade
"helm.sh/hook-weight": "-10"
"helm.sh/hook-delete-policy": before-hook-creation
{{- end }}

{{/*
The pod-level settings every app pod and the migrations Job share: pull secrets and the
security context.
*/}}
{{- define "herald.podCommon" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- end }}
