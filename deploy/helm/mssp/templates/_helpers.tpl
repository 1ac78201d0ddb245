{{- define "mssp.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "mssp.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{- define "mssp.secretName" -}}
{{- default (printf "%s-secrets" (include "mssp.fullname" .)) .Values.existingSecret -}}
{{- end -}}

{{/* Environment of every app container: the ConfigMap, then the Secret. */}}
{{- define "mssp.envFrom" -}}
- configMapRef:
    name: {{ include "mssp.fullname" . }}-config
- secretRef:
    name: {{ include "mssp.secretName" . }}
{{- end -}}

{{- define "mssp.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}
