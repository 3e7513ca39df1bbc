{{/* The four services, in the order they are rendered. */}}
{{- define "ballast.services" -}}
webhook jobs insights integrations
{{- end }}

{{/* Which services a service calls (docs/architecture.md); drives the URLs it gets and its NetworkPolicy. */}}
{{- define "ballast.calls" -}}
{{- $calls := dict "webhook" (list "jobs") "jobs" (list "webhook" "integrations") "insights" (list "webhook" "integrations") "integrations" (list) -}}
{{- get $calls . | join " " -}}
{{- end }}

{{- define "ballast.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ballast.fullname" -}}
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

{{/* Name of a workload's resources: <fullname>-<component>. Call with (list $ "webhook"). */}}
{{- define "ballast.componentName" -}}
{{- printf "%s-%s" (include "ballast.fullname" (index . 0)) (index . 1) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select a component's pods. Call with (list $ "webhook"). */}}
{{- define "ballast.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "ballast.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{/* Every label of a component's resources. Call with (list $ "webhook"). */}}
{{- define "ballast.labels" -}}
{{- $root := index . 0 -}}
helm.sh/chart: {{ printf "%s-%s" $root.Chart.Name $root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "ballast.selectorLabels" . }}
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
app.kubernetes.io/part-of: ballast
{{- with $root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "ballast.secretName" -}}
{{- default (include "ballast.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{- define "ballast.image" -}}
{{- $root := index . 0 -}}
{{- printf "%s/%s-service:%s" $root.Values.image.registry (index . 1) (default $root.Chart.AppVersion $root.Values.image.tag) }}
{{- end }}

{{/*
An environment value as the service reads it: whole numbers without a decimal point or exponent (YAML numbers
arrive as floats), everything else as written.
*/}}
{{- define "ballast.envValue" -}}
{{- if or (kindIs "float64" .) (kindIs "int64" .) (kindIs "int" .) -}}
{{- if eq (float64 .) (floor .) }}{{ int64 . }}{{ else }}{{ . }}{{ end -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end }}

{{/* A service's knobs: the shared `config`, then its own `config` over it. Call with (list $ "webhook"); YAML. */}}
{{- define "ballast.config" -}}
{{- $root := index . 0 -}}
{{- $svc := index $root.Values (index . 1) }}
{{- toYaml (merge (deepCopy ($svc.config | default dict)) (deepCopy ($root.Values.config | default dict))) }}
{{- end }}

{{/* A Micronaut duration ("500ms", "10s", "2m", "1h", "7d") or a number of seconds, in milliseconds. */}}
{{- define "ballast.millis" -}}
{{- $s := toString . | trim -}}
{{- if hasSuffix "ms" $s -}}{{ trimSuffix "ms" $s | atoi }}
{{- else if hasSuffix "s" $s -}}{{ mul (trimSuffix "s" $s | atoi) 1000 }}
{{- else if hasSuffix "m" $s -}}{{ mul (trimSuffix "m" $s | atoi) 60000 }}
{{- else if hasSuffix "h" $s -}}{{ mul (trimSuffix "h" $s | atoi) 3600000 }}
{{- else if hasSuffix "d" $s -}}{{ mul (trimSuffix "d" $s | atoi) 86400000 }}
{{- else -}}{{ mul (atoi $s) 1000 }}
{{- end -}}
{{- end }}

{{/* Pods a service can have at once: the autoscaler's maximum (or replicas) plus the rolling-update surge. */}}
{{- define "ballast.maxPods" -}}
{{- $svc := . -}}
{{- $pods := ternary $svc.autoscaling.maxReplicas $svc.replicas $svc.autoscaling.enabled -}}
{{- add (int64 $pods) (int64 $svc.maxSurge) -}}
{{- end }}

{{/* Pod securityContext and the container one, shared by every workload. */}}
{{- define "ballast.podSecurityContext" -}}
{{ toYaml .Values.podSecurityContext }}
{{- end }}
{{- define "ballast.containerSecurityContext" -}}
{{ toYaml .Values.containerSecurityContext }}
{{- end }}

{{/* Egress to the database: PgBouncer when enabled (and PostgreSQL itself for migrations), else PostgreSQL. */}}
{{- define "ballast.databaseEgress" -}}
{{- if .Values.pgbouncer.enabled }}
- to:
    - podSelector:
        matchLabels:
          {{- include "ballast.selectorLabels" (list . "pgbouncer") | nindent 10 }}
  ports:
    - port: {{ .Values.pgbouncer.port }}
      protocol: TCP
{{- end }}
- to:
    {{- range .Values.database.cidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
  ports:
    - port: {{ .Values.database.port }}
      protocol: TCP
{{- end }}

{{/* Egress to cluster DNS. */}}
{{- define "ballast.dnsEgress" -}}
- to:
    - namespaceSelector:
        {{- toYaml .Values.networkPolicy.dns.namespaceSelector | nindent 8 }}
      podSelector:
        {{- toYaml .Values.networkPolicy.dns.podSelector | nindent 8 }}
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end }}
