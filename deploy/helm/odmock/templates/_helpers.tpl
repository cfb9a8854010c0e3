{{- define "odmock.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "odmock.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "odmock.labels" -}}
app.kubernetes.io/name: {{ include "odmock.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "odmock.selector" -}}
app.kubernetes.io/name: {{ include "odmock.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end -}}

{{/* Whether the chart runs its own Redis. */}}
{{- define "odmock.ownRedis" -}}
{{- if and .Values.redis.enabled (not .Values.state.url) (not .Values.state.existingSecret) -}}true{{- end -}}
{{- end -}}

{{/* Whether the chart's Secret holds anything. */}}
{{- define "odmock.hasSecret" -}}
{{- if or .Values.apiTokens .Values.adminToken.value .Values.state.url -}}true{{- end -}}
{{- end -}}
