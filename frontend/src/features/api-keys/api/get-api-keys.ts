import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { List } from '@/types/api';
import type { ApiKey } from '../types';

export const getApiKeys = () => api.get<List<ApiKey>>('/api-keys').then((r) => r.items);

export const apiKeysQueryOptions = () => queryOptions({ queryKey: ['api-keys'], queryFn: getApiKeys });

export const useApiKeys = () => useQuery(apiKeysQueryOptions());
