import { Button, Text, View } from '@tarojs/components';
import type { ApiError } from '../services/errors.ts';
import { messageFor } from '../services/messages.ts';

/** The one way an error reaches the user: a message chosen by code, and a way out. */
export function ErrorView(props: { error: ApiError; onRetry: () => void; retryId?: string; title?: string }) {
  return (
    <View className="error-view" id="error-view">
      {props.title ? <Text className="error-view__title">{props.title}</Text> : null}
      <Text className="error-view__message" id="error-message">
        {messageFor(props.error.code)}
      </Text>
      <Button className="btn btn--primary" id={props.retryId ?? 'retry'} onClick={props.onRetry}>
        重试
      </Button>
    </View>
  );
}

/** A failed action (sign, terminate) above content that stays usable: message by code and a retry. */
export function ActionErrorNotice(props: { error: ApiError; onRetry: () => void }) {
  return (
    <View className="notice" id="action-error">
      <Text id="error-message">{messageFor(props.error.code)}</Text>
      <Button className="btn btn--plain" id="retry" size="mini" onClick={props.onRetry}>
        重试
      </Button>
    </View>
  );
}

export function Loading(props: { text?: string; id?: string }) {
  return (
    <View className="loading" id={props.id ?? 'loading'}>
      <View className="loading__spinner" />
      <Text className="loading__text">{props.text ?? '加载中…'}</Text>
    </View>
  );
}
